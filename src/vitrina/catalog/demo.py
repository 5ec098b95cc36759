"""A demo catalog: categories, products with descriptions, prices and stock, placeholder images,
named in English and Russian (`demo_words.py`; the store's language in the main fields).

Small catalogs go through the ORM with a generated image each (a gradient with the product's
initials, drawn by Pillow; nothing is downloaded). Large ones skip images and are streamed:
PostgreSQL through asyncpg's COPY, SQLite through chunked multi-row INSERTs.
"""

from __future__ import annotations

import asyncio
import io
import random
import secrets
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from PIL import Image, ImageDraw, ImageFont, ImageOps
from sqlalchemy import exists, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.demo_variants import add_demo_variants
from vitrina.catalog.demo_words import (
    ADJECTIVES,
    CATEGORIES_RU,
    COLOURS,
    MATERIALS,
    TREE,
    description_ru,
    name_ru,
    vocabulary_texts,
)
from vitrina.catalog.images import media_path
from vitrina.catalog.models import Category, Product, ProductImage
from vitrina.catalog.slugs import slugify
from vitrina.catalog.variants import add_missing_default_variants
from vitrina.catalog.words import record_words
from vitrina.config import get_settings
from vitrina.kit.clock import utcnow
from vitrina.kit.languages import LANGUAGES, Language

PALETTE = [
    (231, 111, 81), (42, 157, 143), (233, 196, 106), (38, 70, 83), (244, 162, 97),
    (131, 56, 236), (58, 134, 255), (255, 0, 110), (6, 214, 160), (17, 138, 178),
]  # fmt: skip
IMAGE_LIMIT = 5000
COPY_BATCH = 100_000
INSERT_CHUNK = 2000
LONG_TIMEOUT = 3600.0

Progress = Callable[[int, int], None]


def _in_languages(texts: dict[Language, dict[str, str]], store: Language) -> dict[str, str]:
    """Columns for text in every language: the store's in the main fields."""
    columns = dict(texts[store])
    for language in LANGUAGES:
        if language != store:
            columns.update({f"{key}_{language}": value for key, value in texts[language].items()})
    return columns


async def _categories(session: AsyncSession, store: Language) -> dict[int, list[str]]:
    """Create the tree; returns the leaf categories' ids with their product nouns."""
    leaves: dict[int, list[str]] = {}

    def texts(name: str, slug_source: tuple[str, str], description: tuple[str, str]) -> Any:
        return _in_languages(
            {
                "en": {
                    "name": name,
                    "slug": slugify(slug_source[0], fallback="c"),
                    "description": description[0],
                },
                "ru": {
                    "name": CATEGORIES_RU[name],
                    "slug": slugify(slug_source[1], fallback="c"),
                    "description": description[1],
                },
            },
            store,
        )

    for position, (root_name, children) in enumerate(TREE.items()):
        root_ru = CATEGORIES_RU[root_name]
        root = Category(
            position=position,
            **texts(
                root_name,
                (root_name, root_ru),
                (f"Everything {root_name.lower()}.", f"{root_ru}: всё, что нужно."),
            ),
        )
        session.add(root)
        await session.flush()
        for child_position, (name, nouns) in enumerate(children.items()):
            child = Category(
                parent_id=root.id,
                position=child_position,
                **texts(
                    name,
                    (f"{root_name} {name}", f"{root_ru} {CATEGORIES_RU[name]}"),
                    (
                        f"{name} chosen for everyday use.",
                        f"{CATEGORIES_RU[name]}: выбрано для каждого дня.",
                    ),
                ),
            )
            session.add(child)
            await session.flush()
            leaves[child.id] = nouns
    return leaves


def _product_rows(
    leaves: dict[int, list[str]],
    count: int,
    currency: str,
    now: datetime,
    store: Language,
    seed: int = 7,
) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
    leaf_ids = list(leaves)
    adjectives, materials, colours = list(ADJECTIVES), list(MATERIALS), list(COLOURS)
    for number in range(1, count + 1):
        category_id = rng.choice(leaf_ids)
        noun = rng.choice(leaves[category_id])
        adjective, material = rng.choice(adjectives), rng.choice(materials)
        name, russian = f"{adjective} {material} {noun}", name_ru(adjective, material, noun)
        if count > 200:
            name, russian = f"{name} {number}", f"{russian} {number}"
        colour, days = rng.choice(colours), rng.randint(1, 5)
        description = (
            f"A {adjective.lower()} {noun.lower()} in {material.lower()}, finished in {colour}. "
            f"Made to last; ships in {days} days."
        )

        suffix = f" {number}" if count <= 200 else ""
        texts: dict[Language, dict[str, str]] = {
            "en": {
                "name": name,
                "slug": slugify(name + suffix, fallback="product"),
                "description": description,
            },
            "ru": {
                "name": russian,
                "slug": slugify(russian + suffix, fallback="product"),
                "description": description_ru(adjective, material, noun, colour, days),
            },
        }
        yield {
            **_in_languages(texts, store),
            "sku": f"VT-{number:07d}",
            "price": rng.choice([rng.randint(5, 99) * 100 + 99, rng.randint(100, 2000) * 100]),
            "currency": currency,
            "stock": 0 if rng.random() < 0.08 else rng.randint(1, 250),
            "is_active": rng.random() > 0.02,
            "category_id": category_id,
            "created_at": now - timedelta(seconds=rng.randint(0, 730 * 86400)),
        }


def placeholder_image(text: str, colour_seed: int, size: int = 480) -> bytes:
    """A diagonal gradient with the initials of `text` in the middle, as JPEG."""
    start = PALETTE[colour_seed % len(PALETTE)]
    end = PALETTE[(colour_seed * 7 + 3) % len(PALETTE)]
    turned = Image.linear_gradient("L").rotate(45, expand=True)
    inner = (turned.width - 181) // 2
    ramp = turned.crop((inner, inner, inner + 181, inner + 181)).resize((size, size))
    image = ImageOps.colorize(ramp, black=start, white=end)
    initials = "".join(word[0] for word in text.split()[:2]).upper()
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=size // 3)
    draw.text((size / 2, size / 2), initials, fill=(255, 255, 255), font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=82)
    return buffer.getvalue()


async def _with_orm(
    session: AsyncSession, rows: Iterator[dict[str, Any]], with_images: bool
) -> None:
    products = []
    for row in rows:
        product = Product(**row)
        session.add(product)
        products.append(product)
    await session.flush()
    if not with_images:
        return
    for product in products:
        data = await asyncio.to_thread(placeholder_image, product.name, product.id)
        relative = f"products/{product.id}/demo-{secrets.token_hex(6)}.jpg"
        path = media_path(relative)
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread(path.write_bytes, data)
        session.add(
            ProductImage(
                product_id=product.id,
                path=relative,
                alt=product.name,
                content_type="image/jpeg",
                width=480,
                height=480,
                position=0,
            )
        )
    await session.flush()


async def _with_copy(
    session: AsyncSession, rows: Iterator[dict[str, Any]], count: int, progress: Progress | None
) -> None:
    """asyncpg COPY in batches, inside the session's transaction.

    The table is empty, so its secondary indexes (listing b-trees, full-text GIN) are dropped
    first and built once at the end, which is several times faster than updating them row by
    row; it all happens in one transaction, so no one ever sees the table without them.
    """
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    indexes = await raw.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'products' "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
    )
    await raw.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for index in indexes:
        await raw.execute(f'DROP INDEX "{index["indexname"]}"')
    done = 0
    batch: list[tuple[Any, ...]] = []
    columns: list[str] = []
    for row in rows:
        columns = columns or [*row, "updated_at"]
        row["updated_at"] = row["created_at"]
        batch.append(tuple(row[c] for c in columns))
        if len(batch) == COPY_BATCH or done + len(batch) == count:
            await raw.copy_records_to_table(
                "products", records=batch, columns=columns, timeout=LONG_TIMEOUT
            )
            done += len(batch)
            batch = []
            if progress:
                progress(done, count)
    for index in indexes:
        await raw.execute(index["indexdef"], timeout=LONG_TIMEOUT)
    await raw.execute("ANALYZE products", timeout=LONG_TIMEOUT)


async def _with_inserts(
    session: AsyncSession, rows: Iterator[dict[str, Any]], count: int, progress: Progress | None
) -> None:
    chunk: list[dict[str, Any]] = []
    done = 0
    for row in rows:
        row["updated_at"] = row["created_at"]
        chunk.append(row)
        if len(chunk) == INSERT_CHUNK:
            await session.execute(insert(Product), chunk)
            done += len(chunk)
            chunk = []
            if progress:
                progress(done, count)
    if chunk:
        await session.execute(insert(Product), chunk)
    if progress:
        progress(count, count)


async def generate_demo_catalog(
    session: AsyncSession,
    *,
    products: int,
    with_images: bool = True,
    progress: Progress | None = None,
) -> int:
    """Fill an empty catalog with `products` demo products; returns how many were made.

    Idempotent: does nothing (returns 0) if any product exists. Flushes, never commits.
    Images are drawn only for catalogs of up to 5,000 products.
    """
    if products <= 0 or await session.scalar(select(exists().where(Product.id.is_not(None)))):
        return 0
    settings = get_settings()
    leaves = await _categories(session, settings.store_language)
    rows = _product_rows(
        leaves, products, settings.store_currency, utcnow(), settings.store_language
    )
    if products <= IMAGE_LIMIT:
        await _with_orm(session, rows, with_images)
        if progress:
            progress(products, products)
    elif session.get_bind().dialect.name == "postgresql":
        await _with_copy(session, rows, products, progress)
    else:
        await _with_inserts(session, rows, products, progress)
    await add_missing_default_variants(session)
    await add_demo_variants(session)
    await record_words(session, vocabulary_texts())
    return products
