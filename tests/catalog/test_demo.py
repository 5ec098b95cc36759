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
