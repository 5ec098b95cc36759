"""The gettext catalogs (`vitrina/locale/<lang>/LC_MESSAGES/<domain>.po`): the storefront's
pages (domain "messages", which also holds the mails), the admin's (domain "admin").

Compiled `.mo` files are built by the build (`pybabel compile`); when one is missing or
older than its `.po` (an editable install, `vitrina demo` from a checkout) the catalog is
compiled in memory on first use.
"""

from __future__ import annotations

import io
from functools import cache
from gettext import GNUTranslations, NullTranslations
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def _compile_in_memory(po_path: Path) -> GNUTranslations:
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return GNUTranslations(buffer)


@cache
def translations(language: str, domain: str = "messages") -> NullTranslations:
    """The gettext translations for `language` in `domain`, compiling the catalog if needed
    (no catalog: the messages as written)."""
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
