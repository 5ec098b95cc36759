"""CSV cells that a spreadsheet will not run, and the catalogue's columns per language.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets (OWASP, "CSV Injection"): the export prefixes such a cell with
a single quote, which spreadsheets show as text. The import takes exactly that quote off
again, so a file the store wrote imports as it was: a value that itself starts with a quote
before such a character gets one more quote, and the rule reverses one level.
"""

from __future__ import annotations

from vitrina.kit.languages import LANGUAGES, Language

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
PER_LANGUAGE = ("name", "description", "slug")


def _needs_quote(value: str) -> bool:
    if value.startswith(FORMULA_STARTS):
        return True
    return value.startswith(QUOTE) and _needs_quote(value[1:])


def escape_cell(value: str) -> str:
    """`value` as a CSV cell no spreadsheet runs."""
    return QUOTE + value if _needs_quote(value) else value


def unescape_cell(cell: str) -> str:
    """The value `escape_cell` wrote into `cell` (any other cell as it is)."""
    return cell[1:] if cell.startswith(QUOTE) and _needs_quote(cell[1:]) else cell


def language_columns() -> list[str]:
    """name_en, name_ru, description_en, ... in the order the export writes them."""
    return [f"{field}_{language}" for field in PER_LANGUAGE for language in LANGUAGES]


def main_column(field: str, store_language: Language) -> str:
    """The language column that holds a main field (`name` of an English store: name_en)."""
    return f"{field}_{store_language}"
