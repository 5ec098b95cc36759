"""Reading an import's CSV rows: every value checked in memory, each problem reported by line.

Text comes per language (`name_en`, `name_ru`, `description_*`, `slug_*`); the store
language's columns fill the main fields, and `name`, `description`, `slug` are accepted
for them too (files written before there were languages). Cells are unescaped as the
export escaped them (`csv_cells.py`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from vitrina.catalog.csv_cells import language_columns, main_column, unescape_cell
from vitrina.catalog.schemas import ImportRowError
from vitrina.catalog.slugs import MAX_SLUG, slugify
from vitrina.kit.languages import LANGUAGES, Language

MAIN_FIELDS = ("name", "description", "slug")
OPTIONAL = frozenset({"id", "sku", "stock", "is_active", "currency", *MAIN_FIELDS})
REQUIRED = ("price", "category")
TRUE, FALSE = {"1", "true", "yes", "y", "t"}, {"0", "false", "no", "n", "f"}
MAX_INT = 2_000_000_000


@dataclass
class Row:
    line: int
    name: str
    price: int
    category_id: int
    sku: str | None
    description: str
    stock: int
    is_active: bool
    slugs: dict[str, str | None]
    """"slug" (the main one) and slug_<lang> of the other languages; None: make or keep one."""
    texts: dict[str, str | None]
    """name_<lang> and description_<lang> of the other languages (None: none)."""
    target_id: int | None = None
    errors: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    """Further product columns to write (a variant file's price_max, has_options)."""


def amount(raw: str, what: str, errors: list[str]) -> int:
    text = raw.strip()
    if not text.isascii() or not text.isdigit():
        errors.append(f"{what} must be a whole number of minor units (0 or more), got {raw!r}")
        return 0
    value = int(text)
    if value > MAX_INT:
        errors.append(f"{what} {value} is too large")
    return value


def slug_cell(value: str, column: str, errors: list[str]) -> str | None:
    slug = value.lower() or None
    if slug is not None and (slugify(slug, fallback="product") != slug or len(slug) > MAX_SLUG):
        errors.append(f"{column} {slug!r} is not valid (lower-case words joined by hyphens)")
    return slug


class Record:
    """One CSV record's cells, unescaped and stripped."""

    def __init__(self, record: dict[str | None, Any]) -> None:
        self.record = record

    def __call__(self, key: str) -> str:
        value = self.record.get(key)
        return unescape_cell(str(value)).strip() if value else ""


def main_cell(get: Record, field_name: str, store: Language, errors: list[str]) -> str:
    """A main field from its language column or its plain column; they must agree."""
    own, plain = get(main_column(field_name, store)), get(field_name)
    if own and plain and own != plain:
        errors.append(f"{field_name} and {main_column(field_name, store)} differ; keep one")
    return own or plain


def product_row(
    get: Record,
    line: int,
    categories: dict[str, int],
    currency: str,
    store: Language,
    errors: list[str],
) -> Row:
    """The product's own columns of a record (names, descriptions, slugs, category,
    is_active, currency); its price, stock and SKU are the caller's to set."""
    name = main_cell(get, "name", store, errors)
    if not name or len(name) > 300:
        errors.append(f"name ({main_column('name', store)}) is required, at most 300 characters")
    category = get("category")
    category_id = categories.get(category.lower() if not category.isdigit() else category)
    if category_id is None:
        errors.append(f"unknown category {category!r}")
    slugs: dict[str, str | None] = {
        "slug": slug_cell(main_cell(get, "slug", store, errors), "slug", errors)
    }
    texts: dict[str, str | None] = {}
    for language in LANGUAGES:
        if language == store:
            continue
        texts[f"name_{language}"] = get(f"name_{language}") or None
        texts[f"description_{language}"] = get(f"description_{language}") or None
        slugs[f"slug_{language}"] = slug_cell(get(f"slug_{language}"), f"slug_{language}", errors)
        if len(texts[f"name_{language}"] or "") > 300:
            errors.append(f"name_{language} is at most 300 characters")
    active = get("is_active").lower() or "true"
    if active not in TRUE | FALSE:
        errors.append(f"is_active must be true or false, got {active!r}")
    if get("currency") and get("currency").lower() != currency:
        errors.append(f"currency must be the store's ({currency}), got {get('currency')!r}")
    if None in get.record:
        errors.append("more fields than the header has")
    return Row(
        line=line,
        name=name,
        price=0,
        category_id=category_id or 0,
        sku=None,
        description=main_cell(get, "description", store, errors),
        stock=0,
        is_active=active in TRUE,
        slugs=slugs,
        texts=texts,
        errors=errors,
    )


def _parse(
    record: dict[str | None, Any],
    line: int,
    categories: dict[str, int],
    currency: str,
    store: Language,
) -> Row:
    errors: list[str] = []
    get = Record(record)
    row = product_row(get, line, categories, currency, store, errors)
    row.sku = get("sku") or None
    if row.sku is not None and len(row.sku) > 100:
        errors.append("sku is at most 100 characters")
    row.price = amount(get("price"), "price", errors)
    row.stock = amount(get("stock") or "0", "stock", errors)
    return row


def _header_problems(header: list[str], store: Language) -> list[str]:
    missing = [c for c in REQUIRED if c not in header]
    if "name" not in header and main_column("name", store) not in header:
        missing.append(main_column("name", store))
    known = OPTIONAL | set(REQUIRED) | set(language_columns())
    problems = [f"missing column {c!r}" for c in missing]
    return problems + [f"unknown column {c!r}" for c in header if c not in known]


def parse_rows(
    lines: Iterable[str], categories: dict[str, int], currency: str, store: Language
) -> tuple[list[Row], list[str], list[ImportRowError]]:
    """The rows, the language columns the file has (those it does not have stay as they
    are), and the problems found."""
    reader = csv.DictReader(lines)
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    problems = _header_problems(header, store)
    if problems:
        return [], [], [ImportRowError(line=1, errors=problems)]
    present = [c for c in language_columns() if c in header and not c.endswith(f"_{store}")]
    rows: list[Row] = []
    errors: list[ImportRowError] = []
    seen: dict[str, int] = {}
    try:
        for record in reader:
            row = _parse(record, reader.line_num, categories, currency, store)
            keys = [("sku", row.sku), *(("slug", slug) for slug in row.slugs.values())]
            for what, key in keys:
                if key is None:
                    continue
                if f"{what}:{key}" in seen:
                    line = seen[f"{what}:{key}"]
                    row.errors.append(f"{what} {key!r} already used on line {line}")
                else:
                    seen[f"{what}:{key}"] = row.line
            if row.errors:
                errors.append(ImportRowError(line=row.line, errors=row.errors))
            rows.append(row)
    except csv.Error as exc:
        errors.append(ImportRowError(line=reader.line_num, errors=[f"not valid CSV: {exc}"]))
    return rows, present, errors
