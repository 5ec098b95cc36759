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


def _amount(raw: str, what: str, errors: list[str]) -> int:
    text = raw.strip()
    if not text.isascii() or not text.isdigit():
        errors.append(f"{what} must be a whole number of minor units (0 or more), got {raw!r}")
        return 0
    value = int(text)
    if value > MAX_INT:
        errors.append(f"{what} {value} is too large")
    return value


def _slug(value: str, column: str, errors: list[str]) -> str | None:
    slug = value.lower() or None
    if slug is not None and (slugify(slug, fallback="product") != slug or len(slug) > MAX_SLUG):
        errors.append(f"{column} {slug!r} is not valid (lower-case words joined by hyphens)")
    return slug


class _Record:
    """One CSV record's cells, unescaped and stripped."""

    def __init__(self, record: dict[str | None, Any]) -> None:
        self.record = record

    def __call__(self, key: str) -> str:
        return unescape_cell(str(self.record.get(key) or "")).strip()


def _main(get: _Record, field_name: str, store: Language, errors: list[str]) -> str:
    """A main field from its language column or its plain column; they must agree."""
    own, plain = get(main_column(field_name, store)), get(field_name)
    if own and plain and own != plain:
        errors.append(f"{field_name} and {main_column(field_name, store)} differ; keep one")
    return own or plain


def _parse(
    record: dict[str | None, Any],
    line: int,
    categories: dict[str, int],
    currency: str,
    store: Language,
) -> Row:
    errors: list[str] = []
    get = _Record(record)
    name = _main(get, "name", store, errors)
    if not name or len(name) > 300:
        errors.append(f"name ({main_column('name', store)}) is required, at most 300 characters")
    category = get("category")
    category_id = categories.get(category.lower() if not category.isdigit() else category)
    if category_id is None:
        errors.append(f"unknown category {category!r}")
    slugs: dict[str, str | None] = {
        "slug": _slug(_main(get, "slug", store, errors), "slug", errors)
    }
    texts: dict[str, str | None] = {}
    for language in LANGUAGES:
        if language == store:
            continue
        texts[f"name_{language}"] = get(f"name_{language}") or None
        texts[f"description_{language}"] = get(f"description_{language}") or None
        slugs[f"slug_{language}"] = _slug(get(f"slug_{language}"), f"slug_{language}", errors)
        if len(texts[f"name_{language}"] or "") > 300:
            errors.append(f"name_{language} is at most 300 characters")
    sku = get("sku") or None
    if sku is not None and len(sku) > 100:
        errors.append("sku is at most 100 characters")
    active = get("is_active").lower() or "true"
    if active not in TRUE | FALSE:
        errors.append(f"is_active must be true or false, got {active!r}")
    if get("currency") and get("currency").lower() != currency:
        errors.append(f"currency must be the store's ({currency}), got {get('currency')!r}")
    if None in record:
        errors.append("more fields than the header has")
    return Row(
        line=line,
        name=name,
        price=_amount(get("price"), "price", errors),
        category_id=category_id or 0,
        sku=sku,
        description=_main(get, "description", store, errors),
        stock=_amount(get("stock") or "0", "stock", errors),
        is_active=active in TRUE,
        slugs=slugs,
        texts=texts,
        errors=errors,
    )


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
