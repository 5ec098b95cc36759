"""The hosted page in the session's `locale`: English and Russian (other locales: English).

Stripe's Checkout speaks the language the session asks for, or with `locale=auto` (and no
locale) the browser's. Messages are keyed by their English text, as with gettext; money is
shown the way the locale writes it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any

from babel import Locale
from babel.numbers import format_currency, format_decimal

from vitrina.stripe_emulator.resources.common import exponent

SUPPORTED = ("en", "ru")

RUSSIAN: dict[str, str] = {
    "Pay – Stripe emulator": "Оплата – эмулятор Stripe",
    "Order summary": "Ваш заказ",
    "Subtotal": "Промежуточный итог",
    "Discount": "Скидка",
    "Shipping": "Доставка",
    "Total due": "Итого к оплате",
    "Cancel and return": "Отменить и вернуться",
    "This checkout session is complete": "Эта оплата уже завершена",
    "This checkout session is expired": "Срок этой оплаты истёк",
    "It can no longer be paid.": "Оплатить её больше нельзя.",
    "Pay with card": "Оплата картой",
    "Email": "Электронная почта",
    "Shipping address": "Адрес доставки",
    "Full name": "Имя и фамилия",
    "Address line 1": "Адрес, строка 1",
    "Address line 2": "Адрес, строка 2",
    "City": "Город",
    "Postal code": "Почтовый индекс",
    "State / region": "Регион",
    "Country": "Страна",
    "Card number": "Номер карты",
    "Expiry (MM / YY)": "Срок действия (ММ / ГГ)",
    "CVC": "CVC",
    "Name on card": "Имя владельца карты",
    "Use a delayed payment method (completes unpaid; settle it with the emulator's controls)": (
        "Отложенный способ оплаты (оплата завершится неоплаченной; исход задают контролы эмулятора)"
    ),
    "Pay {amount}": "Оплатить {amount}",
    "Test cards: 4242 4242 4242 4242 pays; 4000 0000 0000 0002, 9995, 0069 and 0127 are "
    "declined; 4000 0027 6000 3184 asks for 3-D Secure.": (
        "Тестовые карты: 4242 4242 4242 4242 проходит; 4000 0000 0000 0002, 9995, 0069 и 0127 "
        "отклоняются; 4000 0027 6000 3184 запрашивает 3-D Secure."
    ),
    "3-D Secure authentication": "Проверка 3-D Secure",
    "Your bank asks you to confirm the payment of {amount}.": (
        "Ваш банк просит подтвердить платёж на сумму {amount}."
    ),
    "Complete authentication": "Подтвердить",
    "Fail authentication": "Не подтверждать",
    "Checkout session not found": "Оплата не найдена",
    "Your card was declined.": "Ваша карта отклонена.",
    "Your card has insufficient funds.": "На карте недостаточно средств.",
    "Your card has expired.": "Срок действия карты истёк.",
    "Your card's security code is incorrect.": "Неверный код безопасности карты.",
    "Your card number is invalid.": "Неверный номер карты.",
    "We are unable to authenticate your payment method. Please choose a different payment "
    "method and try again.": (
        "Не удалось подтвердить ваш способ оплаты. Выберите другой способ оплаты и "
        "попробуйте снова."
    ),
    "This session requires a shipping address.": "Для этой оплаты нужен адрес доставки.",
    "Tax": "Налог",
    "included": "включён в цену",
    "Tax is calculated from your address.": "Налог рассчитывается по вашему адресу.",
    "Shipping method": "Способ доставки",
    "Billing address": "Адрес плательщика",
    "Update total": "Пересчитать итог",
    "Your total has changed. Check it and press Pay again.": (
        "Итоговая сумма изменилась. Проверьте её и нажмите «Оплатить» ещё раз."
    ),
    "Automatic tax needs the customer's address: enter a billing country.": (
        "Для расчёта налога нужен адрес: выберите страну плательщика."
    ),
    "{low}–{high} hours": "{low}–{high} ч",
    "{low}–{high} days": "{low}–{high} дн.",
    "{low}–{high} business days": "{low}–{high} рабочих дн.",
    "{low}–{high} weeks": "{low}–{high} нед.",
    "{low}–{high} months": "{low}–{high} мес.",
}
CATALOGS = {"ru": RUSSIAN}


def page_locale(session_locale: str | None, accept_language: str) -> str:
    """`en` or `ru`: the session's locale, or for `auto`/none the browser's first choice
    that the page speaks."""
    if session_locale and session_locale != "auto":
        language = session_locale.split("-")[0].lower()
        return language if language in SUPPORTED else "en"
    for part in accept_language.split(","):
        language = part.split(";")[0].strip().split("-")[0].lower()
        if language in SUPPORTED:
            return language
    return "en"


def translator(locale: str) -> Callable[..., str]:
    catalog = CATALOGS.get(locale, {})

    def translate(message: str, **values: str) -> str:
        text = catalog.get(message, message)
        return text.format(**values) if values else text

    return translate


def format_money(amount: int, currency: str, locale: str = "en") -> str:
    """Minor units shown in major units with the currency's own digits (0 for jpy, 3 for
    kwd, 2 for most)."""
    digits = exponent(currency)
    major = Decimal(amount).scaleb(-digits)
    if locale == "ru":
        return format_currency(
            major, currency.upper(), locale="ru_RU", currency_digits=False,
            format="#,##0" + ("." + "0" * digits if digits else "") + "\xa0¤",
        )  # fmt: skip
    whole = f"{major:,.{digits}f}"
    return f"{whole} {currency.upper()}"


def format_percentage(value: float, locale: str = "en") -> str:
    """19.0 -> "19", 7.25 -> "7.25" (ru: "7,25")."""
    return str(
        format_decimal(
            Decimal(str(value)).normalize(), locale="ru_RU" if locale == "ru" else "en_US"
        )
    )


@cache
def country_names(locale: str) -> dict[str, str]:
    """Two-letter country codes and their names in the page's language, by name."""
    names = Locale("ru" if locale == "ru" else "en").territories
    pairs = [
        (code, str(name))
        for code, name in names.items()
        if isinstance(code, str) and len(code) == 2 and code.isalpha()
    ]
    return dict(sorted(pairs, key=lambda pair: pair[1]))


_UNITS = {
    "hour": "{low}–{high} hours",
    "day": "{low}–{high} days",
    "business_day": "{low}–{high} business days",
    "week": "{low}–{high} weeks",
    "month": "{low}–{high} months",
}


def delivery_estimate(estimate: dict[str, Any] | None, t: Callable[..., str]) -> str:
    """A shipping rate's `delivery_estimate` as words ("3–5 business days")."""
    if not estimate:
        return ""
    low, high = estimate.get("minimum"), estimate.get("maximum")
    bound = low or high
    if bound is None:
        return ""
    unit = bound["unit"]
    return t(
        _UNITS.get(unit, "{low}–{high} days"),
        low=str((low or bound)["value"]),
        high=str((high or bound)["value"]),
    )
