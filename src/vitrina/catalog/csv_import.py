"""CSV import of products: validate everything in memory, then write in bulk or not at all.

Columns (`csv_rows.py`): price, category (slug or id) and the name in the store's language
(`name_<lang>` or `name`) are required; sku, stock, is_active, currency (must be the store's)
and every language's name, description and slug are optional; id is ignored (export writes
it). A language column the file does not have leaves that text as it is; an empty cell
removes it. A row updates the product with its SKU, else with its slug, else creates one.
If any row is bad the report lists every bad line and nothing is written.

Writes are two statements compiled once and executed for chunks of rows (the driver batches
them): new rows as plain INSERTs, existing rows as `INSERT ... ON CONFLICT (id) DO UPDATE`
(PostgreSQL and SQLite share the syntax), which also bumps `sync_version` where a field
Stripe knows changed. The names' words join the "Did you mean" vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from sqlalchemy import Table, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.bulk_writes import (
    copy_to_scratch,
    drop_scratch,
    insert_rows,
    refresh_statistics,
)
from vitrina.catalog.csv_rows import Row, parse_rows
from vitrina.catalog.models import Category, Product, ProductVariant
from vitrina.catalog.schemas import ImportReport, ImportRowError
from vitrina.catalog.slugs import slugify, unique_slug
from vitrina.catalog.translations import slug_columns
from vitrina.catalog.variants import add_missing_default_variants, mirror_into_only_variants
from vitrina.catalog.words import record_words
from vitrina.config import get_settings
from vitrina.kit.clock import utcnow
from vitrina.kit.languages import LANGUAGES

CHUNK = 5000
LOOKUP_CHUNK = 5000
SLUGS = slug_columns(Product.__table__)
SLUG_KEYS = ("slug", *(f"slug_{language}" for language in LANGUAGES))

Progress = Callable[[int, int], None]


async def category_keys(session: AsyncSession) -> dict[str, int]:
    keys: dict[str, int] = {}
    for category_id, slug in await session.execute(select(Category.id, Category.slug)):
        keys[slug] = category_id
        keys[str(category_id)] = category_id
    return keys


async def _products_with(
    session: AsyncSession, column: Any, keys: list[str]
) -> list[tuple[Any, ...]]:
    """(id, sku, slug, slug_<lang>...) of the products whose `column` is among `keys`."""
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start : start + LOOKUP_CHUNK]
        rows = await session.execute(
            select(Product.id, Product.sku, *SLUGS).where(column.in_(chunk))
        )
        found.extend(tuple(row) for row in rows)
    return found


async def match_existing(session: AsyncSession, rows: list[Row]) -> list[ImportRowError]:
    """Point each row at the product it updates (by SKU, else main slug), keep the slugs it
    does not give, and refuse slugs another product holds in any language."""
    slugs = sorted({s for r in rows for s in r.slugs.values() if s})
    skus = [r.sku for r in rows if r.sku]
    known: dict[int, tuple[Any, ...]] = {}
    for column, keys in [(Product.sku, skus), *((c, slugs) for c in SLUGS)]:
        for found in await _products_with(session, column, keys):
            known[found[0]] = found
    by_sku = {found[1]: pid for pid, found in known.items() if found[1] is not None}
    owner = {slug: pid for pid, found in known.items() for slug in found[2:] if slug}
    errors = []
    for row in rows:
        sku_owner = by_sku.get(row.sku) if row.sku else None
        slug_owner = owner.get(row.slugs["slug"] or "")
        if slug_owner is not None and known[slug_owner][2] != row.slugs["slug"]:
            slug_owner = None  # the main slug is another product's language slug: see below
        row.target_id = sku_owner or slug_owner
        problems = []
        if sku_owner and slug_owner and sku_owner != slug_owner:
            problems.append(
                f"sku {row.sku!r} and slug {row.slugs['slug']!r} belong to two different products"
            )
        for slug in row.slugs.values():
            if slug and owner.get(slug) not in (None, row.target_id):
                problems.append(f"slug {slug!r} belongs to another product")
        if problems:
            errors.append(ImportRowError(line=row.line, errors=problems))
        if row.target_id is not None:
            current = dict(zip(SLUG_KEYS, known[row.target_id][2:], strict=True))
            for key, value in row.slugs.items():
                if value is None and (key == "slug" or row.texts.get(f"name{key[4:]}")):
                    row.slugs[key] = current[key]
    return errors


async def _refuse_variant_summaries(session: AsyncSession, rows: list[Row]) -> list[ImportRowError]:
    """A product sold in several variants shows its lowest price and its variants' stock
    added up; a row may repeat them (an export read back) but not change them: those are
    each variant's, changed on the variants (admin or API), never through the summary."""
    targets = sorted({r.target_id for r in rows if r.target_id is not None})
    summaries: dict[int, tuple[int, int, int]] = {}
    for start in range(0, len(targets), LOOKUP_CHUNK):
        chunk = targets[start : start + LOOKUP_CHUNK]
        found = await session.execute(
            select(Product.id, Product.price, Product.stock, func.count(ProductVariant.id))
            .join(ProductVariant, ProductVariant.product_id == Product.id)
            .where(Product.id.in_(chunk))
            .group_by(Product.id, Product.price, Product.stock)
            .having(func.count(ProductVariant.id) > 1)
        )
        summaries.update({pid: (price, stock, count) for pid, price, stock, count in found})
    errors = []
    for row in rows:
        summary = summaries.get(row.target_id or 0)
        if summary is None:
            continue
        price, stock, count = summary
        if (row.price, row.stock) != (price, stock):
            errors.append(
                ImportRowError(
                    line=row.line,
                    errors=[
                        f"this product is sold in {count} variants, each with its own price "
                        "and stock: change them on its variants, not in this file "
                        f"(price here must stay {price} and stock {stock})"
                    ],
                )
            )
    return errors


async def generate_slugs(session: AsyncSession, rows: list[Row]) -> None:
    """Rows without a slug get one from their name (a language's from its name), unique in
    the table's slug columns and in the file."""
    taken = {s for r in rows for s in r.slugs.values() if s}
    pending: list[tuple[Row, str, str]] = []
    for row in rows:
        if row.slugs["slug"] is None:
            pending.append((row, "slug", slugify(row.name, fallback="product")))
        for language in LANGUAGES:
            name = row.texts.get(f"name_{language}")
            if name and row.slugs.get(f"slug_{language}") is None:
                pending.append((row, f"slug_{language}", slugify(name, fallback="product")))
    bases = sorted({base for _row, _key, base in pending})
    in_table = {
        s for c in SLUGS for found in await _products_with(session, c, bases) for s in found[2:]
    }
    for row, key, base in pending:
        candidate = base
        if base in in_table:
            candidate = await unique_slug(session, SLUGS, base, exclude_id=None)
        suffix = 2
        while candidate in taken:
            candidate = f"{base}-{suffix}"
            suffix += 1
        taken.add(candidate)
        row.slugs[key] = candidate


def _insert(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _values(row: Row, currency: str, now: Any, present: list[str]) -> dict[str, Any]:
    values = {
        "name": row.name,
        "sku": row.sku,
        "description": row.description,
        "price": row.price,
        "currency": currency,
        "stock": row.stock,
        "is_active": row.is_active,
        "category_id": row.category_id,
        "created_at": now,
        "updated_at": now,
        **{key: row.slugs.get(key) for key in SLUG_KEYS},
        **{key: row.texts.get(key) for key in present if not key.startswith("slug_")},
    }
    values.update(row.extra)
    if row.target_id is not None:
        values["id"] = row.target_id
    return values


def _changes(
    column: Any, source: Any, present: list[str], extra: list[str]
) -> tuple[Any, dict[str, Any]]:
    """Whether a product row differs from `source` (the new values), and what to set:
    its values, with sync_version bumped if Stripe must hear of it."""
    stripe_changed = or_(
        column.name != source.name,
        column.description != source.description,
        column.price != source.price,
        column.is_active != source.is_active,
    )
    texts = [key for key in present if not key.startswith("slug_")]
    copied = ("name", "description", "price", "stock", "is_active", "category_id", *SLUG_KEYS)
    copied = (*copied, *extra)
    exact_sku = bool(extra)  # a variant file gives every product's SKU (NULL: several variants)
    sku_changed = column.sku.is_distinct_from(source.sku)
    changed = or_(
        *(column[key].is_distinct_from(source[key]) for key in (*copied, *texts)),
        sku_changed if exact_sku else source.sku.is_not(None) & sku_changed,
    )
    values = {
        **{key: source[key] for key in (*copied, *texts)},
        "sku": source.sku if exact_sku else func.coalesce(source.sku, column.sku),
        "updated_at": source.updated_at,
        "sync_version": case((stripe_changed, column.sync_version + 1), else_=column.sync_version),
        "sync_attempts": case((stripe_changed, 0), else_=column.sync_attempts),
        "sync_error": case((stripe_changed, None), else_=column.sync_error),
        "sync_next_attempt_at": case((stripe_changed, None), else_=column.sync_next_attempt_at),
    }
    return changed, values


def _upsert(insert: Any, table: Table, present: list[str], extra: list[str]) -> Any:
    """INSERT ... ON CONFLICT (id) DO UPDATE of rows that differ (unchanged rows are not
    rewritten)."""
    statement = insert(table)
    changed, values = _changes(table.c, statement.excluded, present, extra)
    return statement.on_conflict_do_update(index_elements=[table.c.id], where=changed, set_=values)


async def _update_from_copy(
    session: AsyncSession, rows: list[dict[str, Any]], present: list[str], extra: list[str]
) -> None:
    """PostgreSQL: the rows COPYed into a scratch table, then one UPDATE of those that differ."""
    table = cast(Table, Product.__table__)
    scratch = await copy_to_scratch(session, table, rows)
    changed, values = _changes(table.c, scratch.c, present, extra)
    await session.execute(update(table).where(table.c.id == scratch.c.id, changed).values(values))
    await drop_scratch(session, scratch)


async def write_products(
    session: AsyncSession,
    rows: list[Row],
    present: list[str],
    progress: Progress | None,
    extra: list[str] | None = None,
) -> tuple[int, int]:
    """New rows inserted, existing ones updated where they differ: on PostgreSQL by COPY
    (into the table, or into a scratch table and one UPDATE from it), elsewhere by two
    statements each compiled once and executed for chunks of rows (executemany).
    `extra`: further product columns every row gives in `Row.extra`."""
    dialect = session.get_bind().dialect.name
    insert = _insert(dialect)
    table = cast(Table, Product.__table__)
    currency, now = get_settings().store_currency, utcnow()
    new = [_values(r, currency, now, present) for r in rows if r.target_id is None]
    old = [_values(r, currency, now, present) for r in rows if r.target_id is not None]
    if dialect == "postgresql":
        await insert_rows(session, table, new)
        if old:
            await _update_from_copy(session, old, present, extra or [])
        if progress:
            progress(len(rows), len(rows))
        return len(new), len(old)
    done = 0
    for statement, values in (
        (insert(table), new),
        (_upsert(insert, table, present, extra or []), old),
    ):
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            await session.execute(statement, chunk)
            done += len(chunk)
            if progress:
                progress(done, len(rows))
    return len(new), len(old)


async def import_product_rows(
    session: AsyncSession, lines: Iterable[str], *, progress: Progress | None = None
) -> ImportReport:
    """Validate every row of a file of one row per product; if all are good, upsert them
    all (flushes, never commits)."""
    settings = get_settings()
    rows, present, errors = parse_rows(
        lines, await category_keys(session), settings.store_currency, settings.store_language
    )
    if not errors:
        errors = await match_existing(session, rows)
    if not errors:
        errors = await _refuse_variant_summaries(session, rows)
    if errors:
        return ImportReport(rows=len(rows), created=0, updated=0, errors=errors)
    await generate_slugs(session, rows)
    created, updated = await write_products(session, rows, present, progress)
    await add_missing_default_variants(session)
    await mirror_into_only_variants(session, [r.target_id for r in rows if r.target_id])
    written = [cast(Table, table.__table__) for table in (Product, ProductVariant)]
    await refresh_statistics(session, written, len(rows))
    await record_words(session, (text for r in rows for text in (r.name, *r.texts.values())))
    session.expire_all()
    return ImportReport(rows=len(rows), created=created, updated=updated, errors=[])
