"""A demo catalog: categories, products with descriptions, prices and stock, placeholder images.

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

from vitrina.catalog.images import media_path
from vitrina.catalog.models import Category, Product, ProductImage
from vitrina.catalog.slugs import slugify
from vitrina.config import get_settings
from vitrina.kit.clock import utcnow

TREE: dict[str, dict[str, list[str]]] = {
    "Home": {
        "Kitchen": ["Mug", "Kettle", "Teapot", "Bowl", "Knife", "Pan", "Cutting Board"],
        "Furniture": ["Chair", "Stool", "Side Table", "Bookshelf", "Bench"],
        "Lighting": ["Desk Lamp", "Pendant Light", "Candle Holder", "Floor Lamp"],
    },
    "Garden": {
        "Tools": ["Trowel", "Pruner", "Rake", "Watering Can", "Hose Reel"],
        "Plants": ["Planter", "Seed Kit", "Herb Pot", "Trellis"],
    },
    "Clothing": {
        "Shirts": ["Shirt", "T-Shirt", "Polo", "Overshirt"],
        "Shoes": ["Sneaker", "Boot", "Sandal", "Loafer"],
    },
    "Electronics": {
        "Audio": ["Headphones", "Speaker", "Turntable", "Earbuds"],
        "Computers": ["Keyboard", "Mouse", "Monitor Stand", "USB Hub"],
    },
    "Books": {"Fiction": ["Novel", "Short Stories"], "Cooking": ["Cookbook", "Baking Guide"]},
}
ADJECTIVES = [
    "Classic",
    "Rustic",
    "Modern",
    "Compact",
    "Deluxe",
    "Everyday",
    "Nordic",
    "Vintage",
    "Handmade",
    "Sturdy",
    "Light",
    "Quiet",
    "Bright",
    "Soft",
    "Travel",
    "Studio",
]
MATERIALS = [
    "Oak",
    "Walnut",
    "Steel",
    "Ceramic",
    "Linen",
    "Cotton",
    "Brass",
    "Bamboo",
    "Glass",
    "Stone",
    "Copper",
    "Wool",
    "Leather",
    "Maple",
    "Cork",
    "Porcelain",
]
COLOURS = ["black", "white", "sage green", "terracotta", "navy", "sand", "charcoal", "ochre"]
PALETTE = [
    (231, 111, 81), (42, 157, 143), (233, 196, 106), (38, 70, 83), (244, 162, 97),
    (131, 56, 236), (58, 134, 255), (255, 0, 110), (6, 214, 160), (17, 138, 178),
]  # fmt: skip
IMAGE_LIMIT = 5000
COPY_BATCH = 100_000
INSERT_CHUNK = 2000
LONG_TIMEOUT = 3600.0

Progress = Callable[[int, int], None]


async def _categories(session: AsyncSession) -> dict[int, list[str]]:
    """Create the tree; returns the leaf categories' ids with their product nouns."""
    leaves: dict[int, list[str]] = {}
    for position, (root_name, children) in enumerate(TREE.items()):
        root = Category(name=root_name, slug=slugify(root_name, fallback="c"), position=position)
        root.description = f"Everything {root_name.lower()}."
        session.add(root)
        await session.flush()
        for child_position, (name, nouns) in enumerate(children.items()):
            child = Category(
                name=name,
                slug=slugify(f"{root_name} {name}", fallback="c"),
                parent_id=root.id,
                position=child_position,
                description=f"{name} chosen for everyday use.",
            )
            session.add(child)
            await session.flush()
            leaves[child.id] = nouns
    return leaves


def _product_rows(
    leaves: dict[int, list[str]], count: int, currency: str, now: datetime, seed: int = 7
) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
    leaf_ids = list(leaves)
    for number in range(1, count + 1):
        category_id = rng.choice(leaf_ids)
        noun = rng.choice(leaves[category_id])
        adjective, material = rng.choice(ADJECTIVES), rng.choice(MATERIALS)
        name = f"{adjective} {material} {noun}"
        if count > 200:
            name = f"{name} {number}"
        colour = rng.choice(COLOURS)
        description = (
            f"A {adjective.lower()} {noun.lower()} in {material.lower()}, finished in {colour}. "
            f"Made to last; ships in {rng.randint(1, 5)} days."
        )
        yield {
            "name": name,
            "slug": slugify(f"{name} {number}" if count <= 200 else name, fallback="product"),
            "sku": f"VT-{number:07d}",
            "description": description,
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
    columns = ["name", "slug", "sku", "description", "price", "currency", "stock", "is_active",
               "category_id", "created_at", "updated_at"]  # fmt: skip
    done = 0
    batch: list[tuple[Any, ...]] = []
    for row in rows:
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
    leaves = await _categories(session)
    rows = _product_rows(leaves, products, get_settings().store_currency, utcnow())
    if products <= IMAGE_LIMIT:
        await _with_orm(session, rows, with_images)
        if progress:
            progress(products, products)
    elif session.get_bind().dialect.name == "postgresql":
        await _with_copy(session, rows, products, progress)
    else:
        await _with_inserts(session, rows, products, progress)
    return products
