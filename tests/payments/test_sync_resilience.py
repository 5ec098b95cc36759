"""The sync under trouble: Stripe down for a while, a worker killed mid-call, racing workers,
and Stripe changed behind the store's back."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from payments.conftest import (
    FAST,
    EmulatorControls,
    assert_stripe_matches_store,
    drain,
    pending_rows,
    stripe_sync_cli,
    worker_env,
)
from vitrina.catalog.models import Product
from vitrina.config import Settings
from vitrina.payments.sync import run_worker

FAR = 8043214523
VITRINA = str(Path(sys.executable).parent / "vitrina")
pytestmark = pytest.mark.usefixtures("sync_app")


async def _post(client: httpx.AsyncClient, url: str, headers: dict[str, str], **body: Any) -> dict:
    response = await client.post(url, json=body or None, headers=headers)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def _patch(client: httpx.AsyncClient, url: str, headers: dict[str, str], **body: Any) -> None:
    response = await client.patch(url, json=body, headers=headers)
    assert response.status_code == 200, response.text


async def test_outage_then_convergence(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    make_category: Any,
    emulator: EmulatorControls,
    stripe_client: stripe.StripeClient,
) -> None:
    h = staff_headers
    category = await make_category()
    tea = await _post(
        client, "/api/v1/products", h, name="Tea", price=1250, category_id=category.id
    )
    cup = await _post(client, "/api/v1/products", h, name="Cup", price=900, category_id=category.id)
    summer = await _post(client, "/api/v1/coupons", h, number="SUMMER", discount=10, end_at=FAR)
    winter = await _post(client, "/api/v1/coupons", h, number="WINTER", discount=15, end_at=FAR)
    gone = await _post(client, "/api/v1/coupons", h, number="GONE", discount=5, end_at=FAR)
    await drain()

    emulator.fault("500", seconds=2.5)
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(stop, poll_interval=0.05, config=FAST))
    try:
        pot = await _post(
            client, "/api/v1/products", h, name="Pot", price=4000, category_id=category.id
        )
        await _patch(client, f"/api/v1/products/{tea['id']}", h, name="Green tea")
        await _patch(client, f"/api/v1/products/{cup['id']}", h, price=950)
        await _post(client, f"/api/v1/products/{cup['id']}/deactivate", h)
        await _post(client, "/api/v1/coupons", h, number="AUTUMN", discount=12.5, end_at=FAR)
        await _patch(client, f"/api/v1/coupons/{summer['id']}", h, number="SUMMER-2")
        await _patch(client, f"/api/v1/coupons/{winter['id']}", h, discount=20)
        assert (await client.delete(f"/api/v1/coupons/{gone['id']}", headers=h)).status_code == 204
        await asyncio.sleep(0.6)
        during = (await client.get("/api/v1/stripe/sync", headers=h)).json()
        assert during["failed"] > 0
        assert all("500" in r["sync_error"] for r in during["rows"] if r["sync_error"])
        await _patch(client, f"/api/v1/products/{pot['id']}", h, price=4200)

        deadline = time.monotonic() + 30
        while await pending_rows():
            assert time.monotonic() < deadline, "the workers did not converge"
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await worker

    await assert_stripe_matches_store()
    assert any(c["status"] == 500 for c in emulator.calls("/v1"))
    remote = stripe_client.v1.products.retrieve(
        f"vitrina_prod_{cup['id']}", {"expand": ["default_price"]}
    )
    assert not remote.active and remote.default_price.unit_amount == 950  # type: ignore[union-attr]
    assert stripe_client.v1.products.retrieve(f"vitrina_prod_{tea['id']}").name == "Green tea"
    codes = sorted(c.code for c in stripe_client.v1.promotion_codes.list({"active": True}).data)
    assert codes == ["AUTUMN", "SUMMER-2", "WINTER"]
    creates = [c for c in emulator.calls("/v1/products", "POST") if c["path"] == "/v1/products"]
    executed = [c for c in creates if c["status"] == 200 and not c["replayed"]]
    assert len(executed) == 3  # one create per product, however many retries


async def _wait_for_call(emulator: EmulatorControls, path: str, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not [c for c in emulator.calls(path, "POST") if c["path"] == path]:
        assert time.monotonic() < deadline, f"no call to {path}"
        await asyncio.sleep(0.05)


async def test_worker_killed_mid_delivery(
    settings: Settings,
    make_product: Any,
    session: AsyncSession,
    emulator: EmulatorControls,
    stripe_client: stripe.StripeClient,
) -> None:
    product = await make_product(name="Tea", price=1250)
    emulator.fault("slow", count=1, delay=3.0, path_prefix="/v1/products", method="POST")
    env = worker_env(settings, STRIPE_TIMEOUT_SECONDS="3")
    process = await asyncio.create_subprocess_exec(
        VITRINA, "worker", "--concurrency", "1", "--poll-interval", "0.1",
        "--lease-seconds", "5", env=env,
    )  # fmt: skip
    try:
        await _wait_for_call(emulator, "/v1/products")
        product.name = "Green tea"  # a change made while the first delivery hangs
        product.mark_for_sync()
        await session.commit()
    finally:
        process.send_signal(signal.SIGKILL)
        assert await process.wait() == -signal.SIGKILL

    await drain(within=40)
    await assert_stripe_matches_store()
    remote = stripe_client.v1.products.list().data
    assert [(p.id, p.name) for p in remote] == [(f"vitrina_prod_{product.id}", "Green tea")]
    assert len(stripe_client.v1.prices.list().data) == 1
    creates = [c for c in emulator.calls("/v1/products", "POST") if c["path"] == "/v1/products"]
    assert len([c for c in creates if c["status"] == 200 and not c["replayed"]]) <= 1


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_two_worker_processes_apply_each_intent_once(
    settings: Settings,
    make_category: Any,
    session: AsyncSession,
    emulator: EmulatorControls,
) -> None:
    category = await make_category()
    await session.execute(
        insert(Product),
        [
            {
                "category_id": category.id,
                "name": f"Item {n}",
                "slug": f"item-{n}",
                "price": 100 + n,
                "currency": settings.store_currency,
                "stock": 1,
            }
            for n in range(1000)
        ],
    )
    await session.commit()
    emulator._request("DELETE", "calls")
    env = worker_env(settings)
    command = [VITRINA, "worker", "--once", "--batch", "25"]
    out = asyncio.subprocess.DEVNULL
    workers = [
        await asyncio.create_subprocess_exec(*command, env=env, stdout=out) for _ in range(2)
    ]
    assert [await w.wait() for w in workers] == [0, 0]
    await drain(within=60)  # anything a worker left because the other held it

    assert await pending_rows() == 0
    creates = [c for c in emulator.calls("/v1/products", "POST") if c["path"] == "/v1/products"]
    assert len(creates) == 1000
    assert len({c["idempotency_key"] for c in creates}) == 1000
    assert all(c["status"] == 200 and not c["replayed"] for c in creates)
    reads = [c for c in emulator.calls("/v1/products/vitrina_prod_", "GET")]
    assert len(reads) == 1000  # each intent looked at once: no second delivery
    await assert_stripe_matches_store()


async def test_drift_is_reported_and_repaired(
    settings: Settings,
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    make_product: Any,
    emulator: EmulatorControls,
    stripe_client: stripe.StripeClient,
) -> None:
    renamed, archived, repriced = [await make_product(price=1000 + n) for n in range(3)]
    await _post(client, "/api/v1/coupons", staff_headers, number="COUPON", discount=22, end_at=FAR)
    await drain()
    assert await stripe_sync_cli(settings, "--check") == (0, "Stripe matches the store.\n")

    v1 = stripe_client.v1
    v1.products.update(f"vitrina_prod_{renamed.id}", {"name": "Changed by hand"})
    v1.products.update(f"vitrina_prod_{archived.id}", {"active": False})
    price = v1.prices.create(
        {"product": f"vitrina_prod_{repriced.id}", "currency": "usd", "unit_amount": 1}
    )
    v1.products.update(f"vitrina_prod_{repriced.id}", {"default_price": price.id})
    orphan_price = {"currency": "usd", "unit_amount": 5}
    v1.products.create(
        {"id": "vitrina_prod_999", "name": "Orphan", "default_price_data": orphan_price}
    )
    for code in v1.promotion_codes.list({"active": True}).data:
        v1.promotion_codes.update(code.id, {"active": False})
    v1.coupons.create({"id": "vitrina_coupon_77_deadbeef", "percent_off": 5})

    status, report = await stripe_sync_cli(settings, "--check")
    assert status == 1
    for problem in ("stale name", "stale active", "stale price", "stale code", "orphan"):
        assert problem in report, report
    assert "vitrina_prod_999" in report and "vitrina_coupon_77_deadbeef" in report

    status, _ = await stripe_sync_cli(settings, "--fix")
    assert status == 0
    assert await stripe_sync_cli(settings, "--check") == (0, "Stripe matches the store.\n")
    await assert_stripe_matches_store()
    assert not v1.products.retrieve("vitrina_prod_999").active
    assert v1.products.retrieve(f"vitrina_prod_{renamed.id}").name == renamed.name


async def test_lost_responses_and_rate_limits_make_no_twins(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    make_category: Any,
    emulator: EmulatorControls,
    stripe_client: stripe.StripeClient,
) -> None:
    """Stripe did the work but the answer was lost (`drop`), or it said 429: retries adopt."""
    h = staff_headers
    category = await make_category()
    tea = await _post(
        client, "/api/v1/products", h, name="Tea", price=1250, category_id=category.id
    )
    await _post(client, "/api/v1/coupons", h, number="DROP", discount=10, end_at=FAR)
    emulator.fault("drop", count=1, path_prefix="/v1/products", method="POST")
    emulator.fault("drop", count=1, path_prefix="/v1/coupons", method="POST")
    emulator.fault("drop", count=1, path_prefix="/v1/promotion_codes", method="POST")
    emulator.fault("429", count=2)
    await drain()
    await _patch(client, f"/api/v1/products/{tea['id']}", h, price=1500)
    emulator.fault("drop", count=2, path_prefix="/v1/prices", method="POST")
    await drain()

    await assert_stripe_matches_store()
    assert len(stripe_client.v1.products.list().data) == 1
    assert len(stripe_client.v1.prices.list().data) == 2
    assert len(stripe_client.v1.coupons.list().data) == 1
    assert len(stripe_client.v1.promotion_codes.list().data) == 1
    faults = emulator._request("GET", "faults")["data"]
    assert [f["remaining"] for f in faults] == [0, 0, 0, 0, 0]  # every fault was hit
