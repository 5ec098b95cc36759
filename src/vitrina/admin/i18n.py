"""The admin in Russian and English: the language is chosen as on the storefront (the `lang`
cookie, else Accept-Language), its strings live in the `admin` gettext domain
(`locale/<lang>/LC_MESSAGES/admin.po`), and sqladmin's own strings come from sqladmin's
catalogs. Values are shown as people read them: money in major units with the currency,
times in STORE_TIMEZONE, addresses as address blocks.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from babel.support import LazyProxy
from markupsafe import Markup, escape
from sqladmin import i18n as sqladmin_i18n
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from vitrina.config import get_settings
from vitrina.kit.money import minor_unit_exponent, to_decimal
from vitrina.storefront import i18n as store_i18n

DOMAIN = "admin"
ADDRESS_LINES = ("name", "line1", "line2", "postal_code", "city", "state")


def language() -> str:
    return sqladmin_i18n.get_locale()


def gettext(message: str) -> str:
    """The admin's translation of `message`, else sqladmin's, else the message itself."""
    lang = language()
    translated = store_i18n.translations(lang, DOMAIN).gettext(message)
    if translated == message:
        translated = sqladmin_i18n.gettext(message)
    return translated


def ngettext(singular: str, plural: str, count: int) -> str:
    translated = store_i18n.translations(language(), DOMAIN).ngettext(singular, plural, count)
    if translated in (singular, plural):
        return sqladmin_i18n.ngettext(singular, plural, count)
    return translated


class LazyText(LazyProxy):
    """Babel's lazy string, hashable (sqladmin keeps labels as dictionary keys)."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._args[0])


def lazy(message: str) -> Any:
    """A label translated when it is shown (view names, column labels, form labels)."""
    return LazyText(gettext, message, enable_cache=False)


class AdminLocaleMiddleware:
    """Sets sqladmin's locale for each admin request, chosen as the storefront chooses; after
    the request, closes the uploaded files of the form it read (sqladmin leaves them open)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        sqladmin_i18n.set_locale(store_i18n.choose_language(request))
        try:
            await self.app(scope, receive, send)
        finally:
            form = getattr(request.state, "admin_form", None)
            if form is not None:
                await form.close()


def money(amount: int | None, currency: str | None = None) -> str:
    if amount is None:
        return ""
    return store_i18n.money(amount, currency or get_settings().store_currency, language())


def moment(value: datetime | None) -> str:
    if value is None:
        return ""
    return store_i18n.moment(value, language(), get_settings().store_timezone)


def address(value: dict[str, Any] | None) -> Markup:
    """An address as lines of text (Stripe's shipping details), never as a dict."""
    if not value:
        return Markup("")
    lines = [str(value[key]) for key in ADDRESS_LINES if value.get(key)]
    if value.get("country"):
        lines.append(store_i18n.country(str(value["country"]), language()))
    return Markup("<br>").join(escape(line) for line in lines)


def plain_amount(amount: int | None, currency: str) -> str:
    """Minor units as the number a person types into a form: 114600 -> "1,146.00"."""
    if amount is None:
        return ""
    places = minor_unit_exponent(currency)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(to_decimal(amount, currency), format=pattern, locale=language())


def parse_amount(text: str, currency: str) -> int:
    """A typed amount in major units ("1 146,00", "1146.5") as minor units; ValueError if
    it is not a number or has more decimals than the currency."""
    cleaned = text.strip().replace("\u00a0", " ")
    try:
        value = parse_decimal(cleaned, locale=language())
    except NumberFormatError:
        try:
            value = Decimal(cleaned.replace(" ", "").replace(",", "."))
        except InvalidOperation:
            raise ValueError(gettext("Enter an amount such as 1146.00.")) from None
    minor = value.scaleb(minor_unit_exponent(currency))
    if minor != minor.to_integral_value():
        raise ValueError(gettext("Too many decimal places for this currency."))
    return int(minor)
