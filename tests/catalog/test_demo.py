"""The demo catalog: realistic, with images, and idempotent."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.demo import generate_demo_catalog
from vitrina.catalog.demo_variants import COUNTS
from vitrina.catalog.models import Category, Product, ProductImage, ProductVariant


async def test_demo_catalog_is_generated_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    assert await generate_demo_catalog(session, products=40) == 40
    await session.commit()
    assert await generate_demo_catalog(session, products=40) == 0
    assert await session.scalar(select(func.count()).select_from(Product)) == 40
    assert await session.scalar(select(func.count()).select_from(Category)) >= 12
    assert await session.scalar(select(func.count()).select_from(ProductImage)) == 40
    per_product = (
        await session.execute(
            select(
                Product.has_options,
                func.count(),
                func.count(func.distinct(ProductVariant.price)),
                func.count(func.distinct(ProductVariant.stock)),
            )
            .join(ProductVariant, ProductVariant.product_id == Product.id)
            .group_by(Product.id, Product.has_options)
        )
    ).all()
    assert len(per_product) == 40
    plain = [count for has_options, count, _, _ in per_product if not has_options]
    assert plain == [1] * 32  # every fifth is sold in variants, 1 to 24 of them
    sold_in_variants = [row for row in per_product if row[0]]
    assert sorted(row[1] for row in sold_in_variants) == sorted(COUNTS[:8])
    largest = max(sold_in_variants, key=lambda row: row[1])
    assert largest[1] == 24 and largest[2] > 3 and largest[3] > 2  # prices and stock vary
    page = (await client.get("/api/v1/products", params={"limit": 5})).json()
    thumbnail = next(p["thumbnail"] for p in page["items"])
    image = await client.get(thumbnail["url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    root = (await client.get("/api/v1/categories")).json()[0]
    in_root = await client.get("/api/v1/products", params={"category": root["slug"]})
    assert in_root.json()["items"]


async def test_demo_catalog_speaks_russian_too(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await generate_demo_catalog(session, products=30, with_images=False)
    await session.commit()
    roots = (await client.get("/api/v1/categories", params={"lang": "ru"})).json()
    assert [root["name"] for root in roots] == ["Дом", "Сад", "Одежда", "Электроника", "Книги"]
    english = (await client.get("/api/v1/products", params={"limit": 1})).json()["items"][0]
    russian = (await client.get(f"/api/v1/products/{english['id']}", params={"lang": "ru"})).json()
    assert russian["name"] != english["name"] and " из " in russian["name"]
    assert "цвет —" in russian["description"]
    by_slug = await client.get(f"/api/v1/products/{russian['slug']}")
    assert by_slug.json()["id"] == english["id"] and by_slug.json()["name"] == english["name"]
    noun = russian["name"].split(" из ")[0].split()[-1]
    found = await client.get("/api/v1/products", params={"q": noun, "lang": "ru", "limit": 100})
    assert english["id"] in [item["id"] for item in found.json()["items"]]
