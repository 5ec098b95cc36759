"""CSV export of products, one row per variant (the import's layout, `csv_variant_rows.py`),
streamed in product id order a batch at a time (constant memory).

A product's own columns are on its first row only, its `handle` on every row. Text is
written per language (`name_en`, `name_ru`, ...: the store's language from the main fields,
the others from their columns, empty where there is none); the store language's slug is
the handle. Every text cell is escaped so that no spreadsheet runs it as a formula
(`csv_cells.py`). Money is in minor units, as everywhere in the store.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vitrina.catalog.csv_cells import escape_cell, language_columns
from vitrina.catalog.csv_variant_rows import OPTION_COLUMNS, OPTIONS, VARIANT_COLUMNS
from vitrina.catalog.models import (
    Category,
    Product,
    ProductImage,
    ProductOption,
    ProductOptionValue,
    ProductVariant,
)
from vitrina.catalog.translations import TRANSLATION_FIELDS, stored_texts
from vitrina.config import get_settings
from vitrina.kit.languages import Language

BATCH = 1000
"""Products per batch (each has up to 100 variants)."""


def columns(store: Language) -> list[str]:
    texts = [c for c in language_columns() if c != f"slug_{store}"]
    return [
        "handle",
        *texts,
        "category",
        "is_active",
        "currency",
        *OPTION_COLUMNS,
        *VARIANT_COLUMNS,
    ]


async def _batch(
    session: AsyncSession, last_id: int
) -> tuple[list[Any], list[Any], dict[int, list[Any]], dict[int, tuple[int, str]], dict[int, str]]:
    products = (
        await session.execute(
            select(
                Product.id, Product.name, Product.description, Product.slug,
                *(getattr(Product, name) for name in TRANSLATION_FIELDS),
                Product.currency, Product.is_active, Category.slug.label("category"),
            )
            .join(Category, Category.id == Product.category_id)
            .where(Product.id > last_id)
            .order_by(Product.id)
            .limit(BATCH)
        )
    ).all()  # fmt: skip
    if not products:
        return [], [], {}, {}, {}
    within = (last_id, products[-1].id)
    variants = (
        await session.execute(
            select(ProductVariant.__table__)
            .where(ProductVariant.product_id > within[0], ProductVariant.product_id <= within[1])
            .order_by(ProductVariant.product_id, ProductVariant.position, ProductVariant.id)
        )
    ).all()
    options: dict[int, list[Any]] = {}
    for option in await session.execute(
        select(ProductOption.id, ProductOption.product_id, ProductOption.name)
        .where(ProductOption.product_id > within[0], ProductOption.product_id <= within[1])
        .order_by(ProductOption.product_id, ProductOption.position, ProductOption.id)
    ):
        options.setdefault(option.product_id, []).append(option)
    values = {
        value_id: (option_id, text)
        for value_id, option_id, text in await session.execute(
            select(ProductOptionValue.id, ProductOptionValue.option_id, ProductOptionValue.value)
            .join(ProductOption, ProductOption.id == ProductOptionValue.option_id)
            .where(ProductOption.product_id > within[0], ProductOption.product_id <= within[1])
        )
    }
    images = dict(
        (
            await session.execute(
                select(ProductImage.id, ProductImage.path).where(
                    ProductImage.product_id > within[0], ProductImage.product_id <= within[1]
                )
            )
        ).all()
    )
    return list(products), list(variants), options, values, images


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _option_cells(
    variant: Any, options: list[Any], values: dict[int, tuple[int, str]]
) -> list[str]:
    chosen = {values[int(v)][0]: values[int(v)][1] for v in variant.combination.split(",") if v}
    if not chosen:
        return [""] * len(OPTION_COLUMNS)
    cells: list[str] = []
    for option in options[:OPTIONS]:
        cells += [escape_cell(option.name), escape_cell(chosen.get(option.id, ""))]
    return cells + [""] * (len(OPTION_COLUMNS) - len(cells))


async def export_csv(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[str]:
    """The CSV text, header first; each batch is read in its own short transaction."""
    store = get_settings().store_language
    header = columns(store)
    text_columns = header[1 : header.index("category")]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    last_id = 0
    while True:
        async with factory() as session:
            products, variants, options, values, images = await _batch(session, last_id)
        by_product: dict[int, list[Any]] = {}
        for variant in variants:
            by_product.setdefault(variant.product_id, []).append(variant)
        for product in products:
            texts = stored_texts(product, store)
            own = [
                *(escape_cell(texts[column] or "") for column in text_columns),
                escape_cell(product.category),
                "true" if product.is_active else "false",
                product.currency,
            ]
            for index, variant in enumerate(by_product.get(product.id, [])):
                writer.writerow(
                    [
                        escape_cell(product.slug),
                        *(own if index == 0 else [""] * len(own)),
                        *_option_cells(variant, options.get(product.id, []), values),
                        escape_cell(variant.sku or ""),
                        variant.price,
                        _cell(variant.compare_at_price),
                        variant.stock,
                        _cell(variant.weight_grams),
                        escape_cell(images.get(variant.image_id, "") if variant.image_id else ""),
                        "true" if variant.is_active else "false",
                    ]
                )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(products) < BATCH:
            return
        last_id = products[-1].id
