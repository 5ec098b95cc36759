"""CSV import of products: validate everything in memory, then write in bulk or not at all.

Columns: name, price, category (slug or id) are required; slug, sku, description, stock,
is_active, currency (must be the store's) are optional; id is ignored (export writes it). A row
updates the product with its SKU, else with its slug, else creates one. If any row is bad the
report lists every bad line and nothing is written.

Writes are two statements compiled once and executed for chunks of rows (the driver batches
them): new rows as plain INSERTs, existing rows as `INSERT ... ON CONFLICT (id) DO UPDATE`
(PostgreSQL and SQLite share the syntax), which also bumps `sync_version` where a field
Stripe knows changed.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, case, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import Category, Product
from vitrina.catalog.schemas import ImportReport, ImportRowError
from vitrina.catalog.slugs import MAX_SLUG, slugify, unique_slug
from vitrina.catalog.translations import slug_columns
from vitrina.config import get_settings
from vitrina.kit.clock import utcnow

REQUIRED = ("name", "price", "category")
KNOWN = frozenset({*REQUIRED, "id", "slug", "sku", "description", "stock", "is_active", "currency"})
TRUE, FALSE = {"1", "true", "yes", "y", "t"}, {"0", "false", "no", "n", "f"}
CHUNK = 5000
LOOKUP_CHUNK = 5000
MAX_INT = 2_000_000_000
SLUGS = slug_columns(Product.__table__)

Progress = Callable[[int, int], None]


@dataclass
class Row:
    line: int
    name: str
    price: int
    category_id: int
    slug: str | None
    sku: str | None
    description: str
    stock: int
    is_active: bool
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


def _parse(record: dict[str, Any], line: int, categories: dict[str, int], currency: str) -> Row:
    errors: list[str] = []

    def get(key: str) -> str:
        return str(record.get(key) or "").strip()

    name = get("name")
    if not name or len(name) > 300:
        errors.append("name is required (at most 300 characters)")
    category = get("category")
    category_id = categories.get(category.lower() if not category.isdigit() else category)
    if category_id is None:
        errors.append(f"unknown category {category!r}")
    slug = get("slug").lower() or None
    if slug is not None and (slugify(slug, fallback="product") != slug or len(slug) > MAX_SLUG):
        errors.append(f"slug {slug!r} is not valid (lower-case words joined by hyphens)")
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
        price=_amount(record.get("price") or "", "price", errors),
        category_id=category_id or 0,
        slug=slug,
        sku=sku,
        description=(record.get("description") or "").strip(),
        stock=_amount(get("stock") or "0", "stock", errors),
        is_active=active in TRUE,
        errors=errors,
    )


def parse_rows(
    lines: Iterable[str], categories: dict[str, int], currency: str
) -> tuple[list[Row], list[ImportRowError]]:
    reader = csv.DictReader(lines)
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in KNOWN]
    if missing or unknown:
        problems = [f"missing column {c!r}" for c in missing]
        problems += [f"unknown column {c!r}" for c in unknown]
        return [], [ImportRowError(line=1, errors=problems)]
    rows: list[Row] = []
    errors: list[ImportRowError] = []
    slugs: dict[str, int] = {}
    skus: dict[str, int] = {}
    try:
        for record in reader:
            row = _parse(record, reader.line_num, categories, currency)
            for key, seen, what in ((row.slug, slugs, "slug"), (row.sku, skus, "sku")):
                if key is not None and key in seen:
                    row.errors.append(f"{what} {key!r} already used on line {seen[key]}")
                elif key is not None:
                    seen[key] = row.line
            if row.errors:
                errors.append(ImportRowError(line=row.line, errors=row.errors))
            rows.append(row)
    except csv.Error as exc:
        errors.append(ImportRowError(line=reader.line_num, errors=[f"not valid CSV: {exc}"]))
    return rows, errors


async def _category_keys(session: AsyncSession) -> dict[str, int]:
    keys: dict[str, int] = {}
    for category_id, slug in await session.execute(select(Category.id, Category.slug)):
        keys[slug] = category_id
        keys[str(category_id)] = category_id
    return keys


async def _match_existing(session: AsyncSession, rows: list[Row]) -> list[ImportRowError]:
    """Point each row at the product it updates (by SKU, else slug)."""
    by_slug: dict[str, int] = {}
    by_sku: dict[str, int] = {}
    slug_of: dict[int, str] = {}
    slugs = [r.slug for r in rows if r.slug]
    skus = [r.sku for r in rows if r.sku]
    for column, keys in ((Product.slug, slugs), (Product.sku, skus)):
        for start in range(0, len(keys), LOOKUP_CHUNK):
            found = await session.execute(
                select(Product.id, Product.slug, Product.sku).where(
                    column.in_(keys[start : start + LOOKUP_CHUNK])
                )
            )
            for product_id, slug, sku in found:
                by_slug[slug] = product_id
                slug_of[product_id] = slug
                if sku is not None:
                    by_sku[sku] = product_id
    errors = []
    for row in rows:
        sku_owner = by_sku.get(row.sku) if row.sku else None
        slug_owner = by_slug.get(row.slug) if row.slug else None
        if sku_owner and slug_owner and sku_owner != slug_owner:
            message = f"sku {row.sku!r} and slug {row.slug!r} belong to two different products"
            errors.append(ImportRowError(line=row.line, errors=[message]))
        row.target_id = sku_owner or slug_owner
        if row.target_id is not None and row.slug is None:
            row.slug = slug_of[row.target_id]
    return errors


async def _generate_slugs(session: AsyncSession, rows: list[Row]) -> None:
    """New rows without a slug get one from their name, unique in the table and the file."""
    taken = {r.slug for r in rows if r.slug}
    pending = [r for r in rows if r.slug is None and r.target_id is None]
    bases = sorted({slugify(r.name, fallback="product") for r in pending})
    in_table: set[str] = set()
    for start in range(0, len(bases), LOOKUP_CHUNK):
        chunk = bases[start : start + LOOKUP_CHUNK]
        in_table.update(
            (await session.scalars(select(Product.slug).where(Product.slug.in_(chunk)))).all()
        )
    for row in pending:
        base = slugify(row.name, fallback="product")
        candidate = base
        if base in in_table:
            candidate = await unique_slug(session, SLUGS, base, exclude_id=None)
        suffix = 2
        while candidate in taken:
            candidate = f"{base}-{suffix}"
            suffix += 1
        taken.add(candidate)
        row.slug = candidate


def _insert(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _values(row: Row, currency: str, now: Any) -> dict[str, Any]:
    values = {
        "name": row.name,
        "slug": row.slug,
        "sku": row.sku,
        "description": row.description,
        "price": row.price,
        "currency": currency,
        "stock": row.stock,
        "is_active": row.is_active,
        "category_id": row.category_id,
        "created_at": now,
        "updated_at": now,
    }
    if row.target_id is not None:
        values["id"] = row.target_id
    return values


def _upsert(insert: Any, table: Table) -> Any:
    """INSERT ... ON CONFLICT (id) DO UPDATE of rows that differ (unchanged rows are not
    rewritten), bumping sync_version if Stripe must hear of it."""
    statement = insert(table)
    excluded, column = statement.excluded, table.c
    stripe_changed = or_(
        column.name != excluded.name,
        column.description != excluded.description,
        column.price != excluded.price,
        column.is_active != excluded.is_active,
    )
    copied = ("name", "slug", "description", "price", "stock", "is_active", "category_id")
    changed = or_(
        *(column[key] != excluded[key] for key in copied),
        excluded.sku.is_not(None) & column.sku.is_distinct_from(excluded.sku),
    )
    return statement.on_conflict_do_update(
        index_elements=[column.id],
        where=changed,
        set_={
            **{key: excluded[key] for key in copied},
            "sku": func.coalesce(excluded.sku, column.sku),
            "updated_at": excluded.updated_at,
            "sync_version": case(
                (stripe_changed, column.sync_version + 1), else_=column.sync_version
            ),
            "sync_attempts": case((stripe_changed, 0), else_=column.sync_attempts),
            "sync_error": case((stripe_changed, None), else_=column.sync_error),
            "sync_next_attempt_at": case((stripe_changed, None), else_=column.sync_next_attempt_at),
        },
    )


async def _write(
    session: AsyncSession, rows: list[Row], progress: Progress | None
) -> tuple[int, int]:
    """Two statements, each compiled once and executed for chunks of rows (executemany)."""
    insert = _insert(session.get_bind().dialect.name)
    table = cast(Table, Product.__table__)
    currency, now = get_settings().store_currency, utcnow()
    new = [_values(r, currency, now) for r in rows if r.target_id is None]
    old = [_values(r, currency, now) for r in rows if r.target_id is not None]
    done = 0
    for statement, values in ((insert(table), new), (_upsert(insert, table), old)):
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            await session.execute(statement, chunk)
            done += len(chunk)
            if progress:
                progress(done, len(rows))
    return len(new), len(old)


async def import_products(
    session: AsyncSession, lines: Iterable[str], *, progress: Progress | None = None
) -> ImportReport:
    """Validate every row; if all are good, upsert them all (flushes, never commits)."""
    currency = get_settings().store_currency
    rows, errors = parse_rows(lines, await _category_keys(session), currency)
    if not errors:
        errors = await _match_existing(session, rows)
    if errors:
        return ImportReport(rows=len(rows), created=0, updated=0, errors=errors)
    await _generate_slugs(session, rows)
    created, updated = await _write(session, rows, progress)
    session.expire_all()
    return ImportReport(rows=len(rows), created=created, updated=updated, errors=[])
