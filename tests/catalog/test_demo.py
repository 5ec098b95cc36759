"""The demo catalog: realistic, with images, and idempotent."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.demo import generate_demo_catalog
from vitrina.catalog.models import Category, Product, ProductImage


async def test_demo_catalog_is_generated_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    assert await generate_demo_catalog(session, products=40) == 40
    await session.commit()
    assert await generate_demo_catalog(session, products=40) == 0
    assert await session.scalar(select(func.count()).select_from(Product)) == 40
    assert await session.scalar(select(func.count()).select_from(Category)) >= 12
    assert await session.scalar(select(func.count()).select_from(ProductImage)) == 40
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
