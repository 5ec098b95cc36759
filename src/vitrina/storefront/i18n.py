"""Languages of the storefront: which one a request gets, its translations, its formats.

Catalogs live in `vitrina/locale/<lang>/LC_MESSAGES/messages.po`. Compiled `.mo` files are
built by the build (`pybabel compile`); when one is missing or older than its `.po` (an
editable install, `vitrina demo` from a checkout) the catalog is compiled in memory at startup.
"""

from __future__ import annotations

import io
from datetime import datetime
from functools import cache
from gettext import GNUTranslations, NullTranslations
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from starlette.requests import Request

from vitrina.config import get_settings
from vitrina.kit.languages import negotiate
from vitrina.kit.money import to_decimal

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = {"en": "English", "ru": "Русский"}
LANGUAGE_COOKIE = "lang"


def _compile_in_memory(po_path: Path) -> GNUTranslations:
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return GNUTranslations(buffer)


@cache
def translations(language: str, domain: str = "messages") -> NullTranslations:
    """The gettext translations for `language` (the admin's are domain "admin"), compiling
    the catalog if needed."""
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    po_path, mo_path = folder / f"{domain}.po", folder / f"{domain}.mo"
    mo_is_fresh = mo_path.exists() and (
        not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime
    )
    if mo_is_fresh:
        with mo_path.open("rb") as mo_file:
            return GNUTranslations(mo_file)
    if po_path.exists():
        return _compile_in_memory(po_path)
    return NullTranslations()


def load_all() -> None:
    """Load (and compile if needed) every catalog, so a broken one fails at startup."""
    for language in LANGUAGES:
        translations(language)


def choose_language(request: Request) -> str:
    """The switcher's cookie if set, else the best match for Accept-Language, else the
    store's language (STORE_LANGUAGE)."""
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    header = request.headers.get("accept-language", "")
    return negotiate(header, get_settings().store_language)


def money(amount: int, currency: str, language: str) -> str:
    """Minor units as the locale writes money: 1234.50 USD -> "$1,234.50" / "1 234,50 $"."""
    return format_currency(to_decimal(amount, currency), currency.upper(), locale=language)


def country(code: str, language: str) -> str:
    """An ISO country code as the locale names it: RU -> "Russia" / "Россия"."""
    return str(Locale.parse(language).territories.get(code.upper(), code))


def moment(value: datetime, language: str, timezone: str) -> str:
    return format_datetime(value, "medium", tzinfo=ZoneInfo(timezone), locale=language)
