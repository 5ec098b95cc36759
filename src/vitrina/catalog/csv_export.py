"""CSV export of products, streamed in id order a batch at a time (constant memory).

Text is written per language (`name_en`, `name_ru`, ...: the store's language from the main
fields, the others from their columns, empty where there is none) and every text cell is
escaped so that no spreadsheet runs it as a formula (`csv_cells.py`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vitrina.catalog.csv_cells import escape_cell, language_columns
from vitrina.catalog.models import Category, Product
from vitrina.catalog.translations import TRANSLATION_FIELDS, stored_texts
from vitrina.config import get_settings

COLUMNS = [
    "id", "sku", *language_columns(), "price", "currency", "stock", "is_active", "category",
]  # fmt: skip
BATCH = 5000


async def export_csv(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[str]:
    """The CSV text, header first; each batch is read in its own short transaction."""
    store = get_settings().store_language
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    last_id = 0
    while True:
        async with factory() as session:
            rows = (
                await session.execute(
                    select(
                        Product.id,
                        Product.sku,
                        Product.name,
                        Product.description,
                        Product.slug,
                        *(getattr(Product, name) for name in TRANSLATION_FIELDS),
                        Product.price,
                        Product.currency,
                        Product.stock,
                        Product.is_active,
                        Category.slug.label("category"),
                    )
                    .join(Category, Category.id == Product.category_id)
                    .where(Product.id > last_id)
                    .order_by(Product.id)
                    .limit(BATCH)
                )
            ).all()
        for row in rows:
            texts = stored_texts(row, store)
            writer.writerow(
                [
                    row.id,
                    escape_cell(row.sku or ""),
                    *(escape_cell(texts[column] or "") for column in language_columns()),
                    row.price,
                    row.currency,
                    row.stock,
                    "true" if row.is_active else "false",
                    escape_cell(row.category),
                ]
            )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(rows) < BATCH:
            return
        last_id = rows[-1].id
