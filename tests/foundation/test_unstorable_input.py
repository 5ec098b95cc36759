"""Input the database cannot store is a 422 with a message, never a 500, and writes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import Category, Product


@pytest.mark.parametrize("description", ["tea\x00pot"])
async def test_text_the_database_cannot_hold_is_a_422(
    client: httpx.AsyncClient,
    session: AsyncSession,
    staff_headers: dict[str, str],
    make_category: Callable[..., Awaitable[Category]],
    description: str,
) -> None:
    category = await make_category()
    await session.commit()
    response = await client.post(
        "/api/v1/products",
        json={
            "name": "Teapot",
            "category_id": category.id,
            "price": 1000,
            "description": description,
        },
        headers=staff_headers,
    )
    if response.status_code != 201:  # SQLite stores NUL; PostgreSQL refuses it
        assert response.status_code == 422
        assert "cannot be stored" in response.json()["detail"]
        assert await session.scalar(select(func.count()).select_from(Product)) == 0


async def test_integer_out_of_range_is_a_422(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    response = await client.get("/api/v1/products", params={"min_price": 10**15})
    assert response.status_code == 422
