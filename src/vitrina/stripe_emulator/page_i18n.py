"""The hosted page in the session's `locale`: English and Russian (other locales: English).

Stripe's Checkout speaks the language the session asks for, or with `locale=auto` (and no
locale) the browser's. Messages are keyed by their English text, as with gettext; money is
shown the way the locale writes it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from babel.numbers import format_currency

from vitrina.stripe_emulator.resources.common import THREE_DECIMAL, ZERO_DECIMAL

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
    exponent = 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2
    if locale == "ru":
        major = Decimal(amount).scaleb(-exponent)
        return format_currency(major, currency.upper(), locale="ru_RU")
    whole = f"{amount / 10**exponent:,.{exponent}f}" if exponent else f"{amount:,}"
    return f"{whole} {currency.upper()}"
