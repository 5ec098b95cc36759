"""Input the database cannot store is a 422 with a message, never a 500, and writes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import Category, Product
from vitrina.db import db_helper


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


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/products/tea%00pot", {}),
        ("/api/v1/products", {"category": "tea\x00pot"}),
    ],
)
async def test_public_reads_answer_text_the_database_cannot_hold(
    client: httpx.AsyncClient, path: str, params: dict[str, str]
) -> None:
    """The catalog's reads run on the driver directly (vitrina/reads.py); its errors are
    still answered as SQLAlchemy's would be."""
    response = await client.get(path, params=params)
    refused = db_helper.dialect == "postgresql"  # SQLite looks for it and finds nothing
    assert response.status_code == (422 if refused else 404)
    assert "detail" in response.json()
