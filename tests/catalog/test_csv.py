"""CSV import (all or nothing, upsert by SKU or slug) and export."""

from __future__ import annotations

import csv
import io

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import Product

URL = "/api/v1/products/import"


def _csv(text: str) -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("products.csv", text.encode(), "text/csv")}


async def test_bad_rows_write_nothing_and_each_is_reported(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_category, session: AsyncSession
) -> None:
    await make_category(name="Mugs")
    text = (
        "name,price,category,stock,sku\n"
        "Good Mug,1200,mugs,3,M-1\n"
        "Bad Price,12.50,mugs,1,M-2\n"
        "No Category,100,nowhere,1,M-3\n"
        ",100,mugs,-1,M-4\n"
        "Twin,100,mugs,1,M-1\n"
    )
    response = await client.post(URL, files=_csv(text), headers=staff_headers)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [e["line"] for e in detail["errors"]] == [3, 4, 5, 6]
    assert "price" in detail["errors"][0]["errors"][0]
    assert "nowhere" in detail["errors"][1]["errors"][0]
    assert len(detail["errors"][2]["errors"]) == 2
    assert "line 2" in detail["errors"][3]["errors"][0]
    assert await session.scalar(select(func.count()).select_from(Product)) == 0


async def test_missing_columns_are_reported_on_line_one(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    response = await client.post(URL, files=_csv("title,cost\nA,1\n"), headers=staff_headers)
    assert response.status_code == 422
    assert response.json()["detail"]["errors"][0]["line"] == 1


async def test_import_upserts_by_sku_or_slug_then_export_round_trips(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    make_category,
    make_product,
    session: AsyncSession,
) -> None:
    mugs = await make_category(name="Mugs")
    by_sku = await make_product(name="Old Name", sku="M-1", price=100, category=mugs)
    by_slug = await make_product(name="Plate", price=300, category=mugs)
    for product in (by_sku, by_slug):
        product.synced_version = product.sync_version
    await session.commit()
    text = (
        "name,price,category,stock,sku,slug,description\n"
        "New Name,150,mugs,4,M-1,,renamed\n"
        f"Plate,300,{mugs.id},9,,{by_slug.slug},\n"
        "Fresh Bowl,700,mugs,2,B-1,,\n"
        "Fresh Bowl,800,mugs,2,B-2,,\n"
    )
    response = await client.post(URL, files=_csv(text), headers=staff_headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"rows": 4, "created": 2, "updated": 2, "errors": []}
    session.expunge_all()
    renamed = await session.get(Product, by_sku.id)
    plate = await session.get(Product, by_slug.id)
    assert renamed is not None and plate is not None
    assert (renamed.name, renamed.price, renamed.slug) == ("New Name", 150, by_sku.slug)
    assert renamed.sync_state == "pending"
    assert plate.stock == 9 and plate.sync_state == "synced"
    slugs = (await session.scalars(select(Product.slug).where(Product.name == "Fresh Bowl"))).all()
    assert sorted(slugs) == ["fresh-bowl", "fresh-bowl-2"]

    refused = await client.get("/api/v1/products/export")
    assert refused.status_code == 401
    exported = await client.get("/api/v1/products/export", headers=staff_headers)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 4 and {r["category"] for r in rows} == {"mugs"}
    again = await client.post(URL, files=_csv(exported.text), headers=staff_headers)
    assert again.json()["updated"] == 4 and again.json()["created"] == 0
