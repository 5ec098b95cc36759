"""Two real app processes (uvicorn) sharing one database (PostgreSQL, or one SQLite file whose
write lock both take): still no overselling."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from fixtures.processes import machines
from vitrina.basket.models import StockReservation
from vitrina.config import Settings

pytestmark = pytest.mark.slow


@pytest.fixture
def app_processes(settings: Settings, tmp_path: Path) -> Iterator[list[str]]:
    """Base URLs of two `uvicorn vitrina.main:app` processes on free ports."""
    with machines(settings, tmp_path, stores=2, workers=0) as running:
        yield running.stores


async def test_two_processes_fifty_customers_ten_in_stock(
    app_processes, client, shopper, make_product, emulator, session
):
    product = await make_product(name="Two-process print", stock=10)
    everyone = []
    for _ in range(50):
        _, headers = await shopper()
        r = await client.put(
            f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=headers
        )
        assert r.status_code == 200
        everyone.append(headers)
    limits = httpx.Limits(max_connections=100)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        responses = await asyncio.gather(
            *(
                http.post(f"{app_processes[i % 2]}/api/v1/checkout", headers=headers)
                for i, headers in enumerate(everyone)
            )
        )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 10, 409: 40}, [r.text for r in responses if r.status_code >= 500]
    assert {r.json()["detail"] for r in responses if r.status_code == 409} == {
        "“Two-process print” is out of stock."
    }
    reserved = await session.scalar(
        select(func.sum(StockReservation.quantity)).where(StockReservation.product_id == product.id)
    )
    assert reserved == 10
    created = [c for c in await emulator.calls("/v1/checkout/sessions") if c["status"] == 200]
    assert len(created) == 10
