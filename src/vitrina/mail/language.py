"""Mail in its reader's language, written where no request is at hand (after a commit).

A mail's sentences are whole messages of the page catalogs (`locale/<lang>/messages.po`),
marked `N_` where they are written so that a test finds each one and checks its Russian
translation; money is written the way the language writes it. Which language: the one the
customer bought in (an order's mails) or the page they were on (accounts' mails), else the
account's own, else the store's (STORE_LANGUAGE).
"""

from __future__ import annotations

from dataclasses import dataclass

from babel.numbers import format_currency

from vitrina.config import get_settings
from vitrina.kit.catalogs import translations
from vitrina.kit.languages import Language, as_language
from vitrina.kit.money import to_decimal


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "translate later"
    """Marks a mail's message for the catalogs; `MailText` translates it when writing."""
    return message


def mail_language(*preferred: str | None) -> Language:
    """The first of `preferred` the store speaks ("ru", "ru-RU"), else the store's language."""
    for candidate in preferred:
        found = as_language((candidate or "").replace("_", "-").split("-")[0].lower())
        if found is not None:
            return found
    return get_settings().store_language


@dataclass(frozen=True)
class MailText:
    """Writes a mail in `language`: `text(N_("Hello %(name)s"), name=...)`, `text.money(...)`."""

    language: Language

    def __call__(self, message: str, **values: object) -> str:
        translated = translations(self.language).gettext(message)
        return translated % values if values else translated

    def money(self, amount: int, currency: str) -> str:
        return format_currency(to_decimal(amount, currency), currency.upper(), locale=self.language)
