"""Languages of the storefront: which one a request gets, its translations, its formats.

Catalogs live in `vitrina/locale/<lang>/LC_MESSAGES/messages.po`, loaded (and compiled in
memory if needed) by `kit.catalogs`.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_currency, format_decimal
from starlette.requests import Request

from vitrina.config import get_settings
from vitrina.kit.catalogs import LOCALE_DIR as LOCALE_DIR
from vitrina.kit.catalogs import translations as translations
from vitrina.kit.languages import negotiate
from vitrina.kit.money import to_decimal

LANGUAGES = {"en": "English", "ru": "Русский"}
LANGUAGE_COOKIE = "lang"


def load_all() -> None:
    """Load (and compile if needed) every catalog, so a broken one fails at startup."""
    for language in LANGUAGES:
        translations(language)


def choose_language(request: Request) -> str:
    """`?lang=` if the address pins one (the pages' alternate-language links), else the
    switcher's cookie, else the best match for Accept-Language, else the store's language
    (STORE_LANGUAGE)."""
    pinned = request.query_params.get("lang", "")
    if pinned in LANGUAGES:
        return pinned
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    header = request.headers.get("accept-language", "")
    return negotiate(header, get_settings().store_language)


def money(amount: int, currency: str, language: str) -> str:
    """Minor units as the locale writes money: 1234.50 USD -> "$1,234.50" / "1 234,50 $"."""
    return format_currency(to_decimal(amount, currency), currency.upper(), locale=language)


def number(value: int, language: str) -> str:
    """A count as the locale groups digits: 12345 -> "12,345" / "12 345"."""
    return format_decimal(value, locale=language)


def country(code: str, language: str) -> str:
    """An ISO country code as the locale names it: RU -> "Russia" / "Россия"."""
    return str(Locale.parse(language).territories.get(code.upper(), code))


def moment(value: datetime, language: str, timezone: str) -> str:
    return format_datetime(value, "medium", tzinfo=ZoneInfo(timezone), locale=language)
