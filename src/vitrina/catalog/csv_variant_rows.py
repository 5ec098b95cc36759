"""Reading a CSV of one row per variant (the Shopify layout), every cell checked in memory.

A product is the rows of one `handle` (its main slug), which must follow one another. Its
own columns (names, descriptions, other languages' slugs, category, is_active, currency)
are read from its first row; a later row leaves them empty or repeats them. Each row is a
variant: `option1_name`/`option1_value` to `option3_...` (names on the first row, later
rows may repeat them), `variant_sku`, `variant_price` and `variant_compare_at_price` (minor
units, as the rest of the CSV), `variant_stock`, `variant_weight_grams`, `variant_image`
(the path of one of the product's images) and `variant_is_active`. A product without
options is one row with empty option columns.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from vitrina.catalog.csv_cells import language_columns, main_column
from vitrina.catalog.csv_rows import (
    FALSE,
    MAIN_FIELDS,
    TRUE,
    Record,
    Row,
    amount,
    product_row,
    slug_cell,
)
from vitrina.catalog.schemas import ImportRowError
from vitrina.catalog.slugs import slugify
from vitrina.kit.languages import Language

OPTIONS = 3
OPTION_COLUMNS = [f"option{i}_{part}" for i in range(1, OPTIONS + 1) for part in ("name", "value")]
VARIANT_COLUMNS = [
    "variant_sku",
    "variant_price",
    "variant_compare_at_price",
    "variant_stock",
    "variant_weight_grams",
    "variant_image",
    "variant_is_active",
]
PRODUCT_COLUMNS = ["handle", *MAIN_FIELDS, "category", "is_active", "currency"]
MAX_VARIANTS = 100


@functools.lru_cache(maxsize=4096)
def option_slug(name: str) -> str:
    return slugify(name, fallback="option")[:100]


@functools.lru_cache(maxsize=4096)
def value_slug(value: str) -> str:
    return slugify(value, fallback="value")[:100]


@dataclass
class VariantRow:
    line: int
    values: list[tuple[str, str]]
    """(option slug, value text), one per option of the product, in the product's order."""
    sku: str | None
    price: int
    compare_at_price: int | None
    stock: int
    weight_grams: int | None
    image: str | None
    is_active: bool
    key: frozenset[tuple[str, str]] = frozenset()
    """The combination as (option slug, value slug) pairs."""

    def __post_init__(self) -> None:
        self.key = frozenset((option, value_slug(value)) for option, value in self.values)


@dataclass
class ProductGroup:
    """One handle's rows: the product (its first row's columns) and its variants."""

    product: Row
    options: list[tuple[str, str]]
    """(slug, name) of each option, in the file's order."""
    variants: list[VariantRow] = field(default_factory=list)


def is_variant_header(header: list[str]) -> bool:
    return "handle" in (column.strip() for column in header)


def _header_problems(header: list[str], store: Language) -> list[str]:
    missing = [c for c in ("handle", "variant_price", "category") if c not in header]
    if "name" not in header and main_column("name", store) not in header:
        missing.append(main_column("name", store))
    known = {*PRODUCT_COLUMNS, *language_columns(), *OPTION_COLUMNS, *VARIANT_COLUMNS}
    problems = [f"missing column {c!r}" for c in missing]
    return problems + [f"unknown column {c!r}" for c in header if c not in known]


def _optional_amount(get: Record, column: str, errors: list[str]) -> int | None:
    return amount(get(column), column, errors) if get(column) else None


def _options_of_first_row(get: Record, errors: list[str]) -> list[tuple[str, str]]:
    options: list[tuple[str, str]] = []
    for i in range(1, OPTIONS + 1):
        name = get(f"option{i}_name")
        if not name:
            continue
        if len(options) != i - 1:
            errors.append(f"option{i}_name is given but option{len(options) + 1}_name is empty")
        if len(name) > 100:
            errors.append(f"option{i}_name is at most 100 characters")
        slug = option_slug(name)
        if any(slug == taken for taken, _name in options):
            errors.append(f"option{i}_name {name!r} names an option twice")
        options.append((slug, name))
    return options


def _variant(
    get: Record, line: int, options: list[tuple[str, str]], errors: list[str]
) -> VariantRow:
    values: list[tuple[str, str]] = []
    for i in range(1, OPTIONS + 1):
        name, value = get(f"option{i}_name"), get(f"option{i}_value")
        if i > len(options):
            if name or value:
                errors.append(f"option{i} is not an option of this product (see its first row)")
            continue
        slug, first_name = options[i - 1]
        if name and option_slug(name) != slug:
            errors.append(f"option{i}_name {name!r} differs from the first row's {first_name!r}")
        if not value or len(value) > 100:
            errors.append(f"option{i}_value ({first_name}) is required, at most 100 characters")
        values.append((slug, value))
    sku = get("variant_sku") or None
    if sku is not None and len(sku) > 100:
        errors.append("variant_sku is at most 100 characters")
    active = get("variant_is_active").lower() or "true"
    if active not in TRUE | FALSE:
        errors.append(f"variant_is_active must be true or false, got {active!r}")
    image = get("variant_image").removeprefix("/media/") or None  # its path or its URL
    return VariantRow(
        line=line,
        values=values,
        sku=sku,
        price=amount(get("variant_price"), "variant_price", errors),
        compare_at_price=_optional_amount(get, "variant_compare_at_price", errors),
        stock=amount(get("variant_stock") or "0", "variant_stock", errors),
        weight_grams=_optional_amount(get, "variant_weight_grams", errors),
        image=image,
        is_active=active in TRUE,
    )


class _Reader:
    """Groups records by handle while checking each; keeps every problem by line."""

    def __init__(self, categories: dict[str, int], currency: str, store: Language) -> None:
        self.categories, self.currency, self.store = categories, currency, store
        self.groups: list[ProductGroup] = []
        self.first_cells: dict[str, str] = {}
        self.errors: dict[int, list[str]] = {}
        self.handles: dict[str, int] = {}
        self.skus: dict[str, int] = {}
        self.keys: dict[frozenset[tuple[str, str]], int] = {}
        self.slugs: dict[str, int] = {}
        self.later_columns = [c for c in (*PRODUCT_COLUMNS, *language_columns()) if c != "handle"]
        """The product's columns, which a later row of it leaves empty or repeats."""

    def add(self, record: dict[str | None, Any], line: int) -> None:
        get, errors = Record(record), self.errors.setdefault(line, [])
        handle = get("handle").lower()
        current = self.groups[-1] if self.groups else None
        if current is None or handle != current.product.slugs["slug"]:
            current = self._start(get, handle, line, errors)
        else:
            self._repeat(get, line, errors)
        variant = _variant(get, line, current.options, errors)
        if variant.sku is not None:
            if variant.sku in self.skus:
                errors.append(
                    f"variant_sku {variant.sku!r} already used on line {self.skus[variant.sku]}"
                )
            self.skus.setdefault(variant.sku, line)
        if variant.key in self.keys:
            text = ", ".join(f"{o}: {v}" for o, v in variant.values) or "no options"
            errors.append(f"this combination ({text}) is already on line {self.keys[variant.key]}")
        self.keys.setdefault(variant.key, line)
        current.variants.append(variant)
        if len(current.variants) == MAX_VARIANTS + 1:
            errors.append(f"a product has at most {MAX_VARIANTS} variants")

    def _start(self, get: Record, handle: str, line: int, errors: list[str]) -> ProductGroup:
        if not handle:
            errors.append("handle is required (the product's slug)")
        elif handle in self.slugs:
            errors.append(
                f"handle {handle!r} is another product's slug on line {self.slugs[handle]}"
            )
        elif handle in self.handles:
            errors.append(
                f"handle {handle!r} is on line {self.handles[handle]} too: "
                "a product's rows must follow one another"
            )
        self.handles.setdefault(handle, line)
        product = product_row(get, line, self.categories, self.currency, self.store, errors)
        other = product.slugs["slug"]
        if other and other != handle:
            errors.append(
                f"handle {handle!r} and {main_column('slug', self.store)} differ; keep one"
            )
        product.slugs["slug"] = slug_cell(handle, "handle", errors) if handle else None
        for key, slug in product.slugs.items():
            if key != "slug" and slug is not None:
                if slug in self.slugs or slug in self.handles:
                    errors.append(f"{key} {slug!r} is another product's slug in this file")
                self.slugs.setdefault(slug, line)
        self.first_cells = {c: get(c) for c in self.later_columns}
        self.keys = {}
        group = ProductGroup(product=product, options=_options_of_first_row(get, errors))
        self.groups.append(group)
        return group

    def _repeat(self, get: Record, line: int, errors: list[str]) -> None:
        for column in self.later_columns:
            if not get.record.get(column):
                continue
            cell = get(column)
            if cell and cell != self.first_cells.get(column, ""):
                first = self.groups[-1].product.line
                errors.append(f"{column} differs from the product's first row (line {first})")


def parse_variant_rows(
    lines: Iterable[str], categories: dict[str, int], currency: str, store: Language
) -> tuple[list[ProductGroup], list[str], int, list[ImportRowError]]:
    """The products with their variants, the language columns the file has, the number of
    rows, and the problems found (by line)."""
    reader = csv.DictReader(lines)
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    problems = _header_problems(header, store)
    if problems:
        return [], [], 0, [ImportRowError(line=1, errors=problems)]
    present = [c for c in language_columns() if c in header and not c.endswith(f"_{store}")]
    state = _Reader(categories, currency, store)
    rows = 0
    try:
        for record in reader:
            rows += 1
            state.add(record, reader.line_num)
    except csv.Error as exc:
        state.errors.setdefault(reader.line_num, []).append(f"not valid CSV: {exc}")
    errors = [ImportRowError(line=line, errors=e) for line, e in sorted(state.errors.items()) if e]
    return state.groups, present, rows, errors
