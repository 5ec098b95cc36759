"""CSV import of one row per variant (`csv_variant_rows.py` reads it): all rows or none.

Everything is checked before anything is written: each row's cells, then against the
store (categories, slugs and SKUs of other products, images, sold variants the file would
drop). Then the products are upserted as the product-per-row import does (their price,
stock and SKU the summary of their variants, `sync_version` bumped where Stripe must
hear of it), and their options, values and variants written set by set.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.bulk_writes import refresh_statistics
from vitrina.catalog.csv_import import (
    category_keys,
    generate_slugs,
    match_existing,
    write_products,
)
from vitrina.catalog.csv_variant_plan import plan_products, summarise
from vitrina.catalog.csv_variant_rows import parse_variant_rows
from vitrina.catalog.csv_variant_write import WRITTEN_TABLES, new_product_ids, write_variants
from vitrina.catalog.schemas import ImportReport
from vitrina.catalog.words import record_words
from vitrina.config import get_settings

Progress = Callable[[int, int], None]
SUMMARY = ["price_max", "has_options"]
STAGES = 10
"""Progress is told in tenths of the rows: read 4, checked 5, products 6, variants 7-10."""


async def import_variant_rows(
    session: AsyncSession, lines: Iterable[str], *, progress: Progress | None = None
) -> ImportReport:
    """Validate every row; if all are good, write them all (flushes, never commits)."""
    settings = get_settings()
    categories = await category_keys(session)
    groups, present, count, errors = await asyncio.to_thread(
        parse_variant_rows, lines, categories, settings.store_currency, settings.store_language
    )

    def stage(tenths: int) -> None:
        if progress:
            progress(count * tenths // STAGES, count)

    stage(4)
    products = [group.product for group in groups]
    if not errors:
        errors = await match_existing(session, products)
    if not errors:
        plans, existing, errors = await plan_products(session, groups)
    if errors:
        return ImportReport(rows=count, created=0, updated=0, errors=errors)
    stage(5)
    for group in groups:
        summarise(group)
    await generate_slugs(session, products)
    created, updated = await write_products(session, products, present, None, SUMMARY)
    await new_product_ids(session, plans)
    stage(6)
    await write_variants(session, plans, existing, lambda step: stage(6 + step))
    await record_words(session, (t for p in products for t in (p.name, *p.texts.values())))
    await refresh_statistics(session, WRITTEN_TABLES, count)
    stage(STAGES)
    session.expire_all()
    return ImportReport(rows=count, created=created, updated=updated, errors=[])
