"""CSV export of products, streamed in id order a batch at a time (constant memory)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vitrina.catalog.models import Category, Product

COLUMNS = [
    "id", "slug", "sku", "name", "description", "price", "currency", "stock", "is_active",
    "category",
]  # fmt: skip
BATCH = 5000


async def export_csv(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[str]:
    """The CSV text, header first; each batch is read in its own short transaction."""
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
                        Product.slug,
                        Product.sku,
                        Product.name,
                        Product.description,
                        Product.price,
                        Product.currency,
                        Product.stock,
                        Product.is_active,
                        Category.slug,
                    )
                    .join(Category, Category.id == Product.category_id)
                    .where(Product.id > last_id)
                    .order_by(Product.id)
                    .limit(BATCH)
                )
            ).all()
        for row in rows:
            writer.writerow([*row[:8], "true" if row[8] else "false", row[9]])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(rows) < BATCH:
            return
        last_id = rows[-1][0]
