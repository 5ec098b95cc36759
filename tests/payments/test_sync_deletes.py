"""Deleting a product: the tombstone archives it in Stripe, once, even across an outage; and
concurrent staff edits of one product each reach Stripe with their own version."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
import stripe
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from payments.conftest import FAST, EmulatorControls, assert_stripe_matches_store, drain
from vitrina.catalog.models import Product
from vitrina.db import db_helper
from vitrina.payments.client import make_stripe_client
from vitrina.payments.sync import WorkerConfig, sync_due_once
from vitrina.payments.sync.drift import find_drift, load_stripe
from vitrina.payments.sync.models import StripeTombstone

pytestmark = pytest.mark.usefixtures("sync_app")


async def _create(
    client: httpx.AsyncClient, headers: dict[str, str], category_id: int, **fields: Any
) -> dict[str, Any]:
    body = {"name": "Tea", "price": 1250, "category_id": category_id, **fields}
    response = await client.post("/api/v1/products", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _delete(client: httpx.AsyncClient, headers: dict[str, str], product_id: int) -> None:
    response = await client.delete(f"/api/v1/products/{product_id}", headers=headers)
    assert response.status_code == 204, response.text


async def _tombstones() -> list[StripeTombstone]:
    async with db_helper.session_factory() as session:
        return list(await session.scalars(select(StripeTombstone).order_by(StripeTombstone.id)))


async def _drain_tombstones(within: float = 20.0, config: WorkerConfig = FAST) -> None:
    deadline = time.monotonic() + within
    while any(t.done_at is None for t in await _tombstones()):
        assert time.monotonic() < deadline, "tombstones still pending"
        if not await sync_due_once(50, config=config):
            await asyncio.sleep(0.05)


def _snapshot(client: stripe.StripeClient) -> dict[str, tuple[object, ...]]:
    """Every product and price Stripe holds, with what a sale depends on."""
    objects: dict[str, tuple[object, ...]] = {}
    for product in client.v1.products.list({"limit": 100}).data:
        objects[product.id] = (product.active, product.name, product.default_price)
    for price in client.v1.prices.list({"limit": 100}).data:
        objects[price.id] = (price.active, price.unit_amount, price.product)
    return objects


def _writes(emulator: EmulatorControls) -> list[dict[str, Any]]:
    return [c for c in emulator.calls("/v1") if c["method"] != "GET"]


async def test_deleting_a_synced_product_archives_it_once(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    make_category: Any,
    emulator: EmulatorControls,
    stripe_client: stripe.StripeClient,
) -> None:
    category = await make_category()
    tea = await _create(client, staff_headers, category.id)
    cup = await _create(client, staff_headers, category.id, name="Cup", price=900)
    await drain()
    stripe_id = f"vitrina_prod_{tea['id']}"
    before = _snapshot(stripe_client)
    assert before[stripe_id][0] is True
    emulator._request("DELETE", "calls")

    await _delete(client, staff_headers, tea["id"])
    [tombstone] = await _tombstones()
    assert (tombstone.kind, tombstone.local_id, tombstone.stripe_id) == (
        "product",
        tea["id"],
        stripe_id,
    )
    assert tombstone.stripe_price_id is not None and tombstone.done_at is None
    assert emulator.calls("/v1") == []  # the delete itself does not talk to Stripe

    await _drain_tombstones()
    after = _snapshot(stripe_client)
    assert after.pop(stripe_id)[0] is False
    assert before.pop(stripe_id)[1:] == (tea["name"], tombstone.stripe_price_id)
    assert after == before  # nothing else changed: the other product, every price
    writes = _writes(emulator)
    assert [(c["path"], c["status"]) for c in writes] == [(f"/v1/products/{stripe_id}", 200)]
    assert writes[0]["idempotency_key"] == f"vitrina:tombstone:{tombstone.id}:archive"
    [done] = await _tombstones()
    assert done.done_at is not None and done.attempts == 0 and done.last_error is None

    emulator._request("DELETE", "calls")
    assert await sync_due_once(50, config=FAST) == 0
    assert emulator.calls("/v1") == []
    assert stripe_client.v1.products.retrieve(f"vitrina_prod_{cup['id']}").active
    await assert_stripe_matches_store()


async def test_delete_during_an_outage_is_retried_with_backoff_and_applied_once(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    make_category: Any,
    emulator: EmulatorControls,
    stripe_client: stripe.StripeClient,
) -> None:
    category = await make_category()
    tea = await _create(client, staff_headers, category.id)
    await drain()
    stripe_id = f"vitrina_prod_{tea['id']}"
    emulator._request("DELETE", "calls")
    emulator.fault("500", count=2, path_prefix=f"/v1/products/{stripe_id}", method="POST")

    await _delete(client, staff_headers, tea["id"])
    slow = WorkerConfig(lease_seconds=30, backoff_base=0.6, backoff_cap=5)
    assert await sync_due_once(50, config=slow) == 1
    [tombstone] = await _tombstones()
    assert tombstone.attempts == 1 and tombstone.done_at is None
    assert tombstone.last_error is not None and "500" in tombstone.last_error
    assert tombstone.next_attempt_at is not None
    wait = (tombstone.next_attempt_at - tombstone.created_at).total_seconds()
    assert wait >= 0.3  # equal jitter: at least half of the 0.6 s base

    calls = len(emulator.calls("/v1"))
    assert await sync_due_once(50, config=slow) == 0  # not due yet: no call at all
    assert len(emulator.calls("/v1")) == calls
    assert stripe_client.v1.products.retrieve(stripe_id).active  # still for sale, for now
    view = await load_stripe(make_stripe_client())
    async with db_helper.session_factory() as session:
        assert await find_drift(session, view) == []  # pending: the worker's business

    await _drain_tombstones(config=slow)
    [tombstone] = await _tombstones()
    assert tombstone.done_at is not None and tombstone.attempts == 2
    assert not stripe_client.v1.products.retrieve(stripe_id).active
    archives = [c for c in _writes(emulator) if c["path"] == f"/v1/products/{stripe_id}"]
    assert [c["status"] for c in archives] == [500, 500, 200]
    keys = [c["idempotency_key"] for c in archives]
    prefix = f"vitrina:tombstone:{tombstone.id}"
    assert keys == [f"{prefix}:archive", f"{prefix}:r1:archive", f"{prefix}:r2:archive"]

    emulator._request("DELETE", "calls")
    assert await sync_due_once(50, config=FAST) == 0
    assert emulator.calls("/v1") == []
    await assert_stripe_matches_store()


async def test_a_product_deleted_before_any_sync_costs_no_stripe_call(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    make_category: Any,
    emulator: EmulatorControls,
    session: AsyncSession,
) -> None:
    category = await make_category()
    tea = await _create(client, staff_headers, category.id)
    await _delete(client, staff_headers, tea["id"])

    assert await sync_due_once(50, config=FAST) == 0
    assert emulator.calls("/v1") == []
    assert await _tombstones() == []
    assert await session.scalar(select(func.count()).select_from(Product)) == 0


async def test_a_product_deleted_while_its_delivery_is_in_flight_is_archived_after_it(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    make_category: Any,
    emulator: EmulatorControls,
    stripe_client: stripe.StripeClient,
) -> None:
    """The create may reach Stripe after the delete: the lease tells the delete so, and the
    archive waits for the delivery to end."""
    category = await make_category()
    tea = await _create(client, staff_headers, category.id)
    emulator.fault("slow", count=1, delay=1.0, path_prefix="/v1/products", method="POST")
    delivery = asyncio.create_task(sync_due_once(5, config=FAST))
    deadline = time.monotonic() + 20
    while not emulator.calls("/v1/products", "POST"):
        assert time.monotonic() < deadline, "the delivery never called Stripe"
        await asyncio.sleep(0.02)

    await _delete(client, staff_headers, tea["id"])
    [tombstone] = await _tombstones()
    assert tombstone.stripe_id == f"vitrina_prod_{tea['id']}"
    await delivery
    await _drain_tombstones()

    remote = stripe_client.v1.products.retrieve(f"vitrina_prod_{tea['id']}")
    assert remote.active is False
    await assert_stripe_matches_store()


async def test_concurrent_patches_of_one_product_all_reach_stripe(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    make_category: Any,
    emulator: EmulatorControls,
    stripe_client: stripe.StripeClient,
    session: AsyncSession,
) -> None:
    category = await make_category()
    tea = await _create(client, staff_headers, category.id)
    await drain()
    start = await session.scalar(select(Product.sync_version).where(Product.id == tea["id"]))
    assert start is not None

    changes: list[dict[str, Any]] = [
        {"name": "Green tea"},
        {"price": 1500},
        {"description": "Loose leaf"},
        {"is_active": False},
    ]
    responses = await asyncio.gather(
        *(
            client.patch(f"/api/v1/products/{tea['id']}", json=c, headers=staff_headers)
            for c in changes
        )
    )
    assert [r.status_code for r in responses] == [200] * len(changes)

    session.expire_all()
    product = await session.get(Product, tea["id"])
    assert product is not None
    assert (product.name, product.price, product.description, product.is_active) == (
        "Green tea",
        1500,
        "Loose leaf",
        False,
    )
    assert product.sync_version == start + len(changes)  # one version per edit, none shared

    await drain()
    remote = stripe_client.v1.products.retrieve(
        f"vitrina_prod_{tea['id']}", {"expand": ["default_price"]}
    )
    assert (remote.name, remote.active) == ("Green tea", False)
    assert remote.default_price.unit_amount == 1500  # type: ignore[union-attr]
    await assert_stripe_matches_store()


async def test_a_product_created_in_stripe_behind_a_lost_response_is_still_archived(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    make_category: Any,
    emulator: EmulatorControls,
    stripe_client: stripe.StripeClient,
    session: AsyncSession,
) -> None:
    """Stripe made the product but its answer was lost: the row never learnt its stripe_id.
    The kept (expired) lease is what tells the delete that Stripe may hold it."""
    category = await make_category()
    tea = await _create(client, staff_headers, category.id)
    emulator.fault("drop", count=1, path_prefix="/v1/products", method="POST")
    assert await sync_due_once(5, config=FAST) == 1
    product = await session.get(Product, tea["id"])
    assert product is not None and product.stripe_id is None and product.sync_attempts == 1
    stripe_id = f"vitrina_prod_{tea['id']}"
    assert stripe_client.v1.products.retrieve(stripe_id).active

    await _delete(client, staff_headers, tea["id"])
    [tombstone] = await _tombstones()
    assert tombstone.stripe_id == stripe_id and tombstone.stripe_price_id is None
    await _drain_tombstones()
    assert not stripe_client.v1.products.retrieve(stripe_id).active
    await assert_stripe_matches_store()


async def test_staff_see_deleted_products_still_to_archive(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    make_category: Any,
    emulator: EmulatorControls,
) -> None:
    category = await make_category()
    tea = await _create(client, staff_headers, category.id)
    await drain()
    await _delete(client, staff_headers, tea["id"])

    async def summary() -> dict[str, Any]:
        response = await client.get("/api/v1/stripe/sync", headers=staff_headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    pending = await summary()
    assert pending["by_kind"]["archive"] == {"pending": 1, "failed": 0}
    assert pending["pending"] == 1
    [archive] = pending["archives"]
    assert (archive["kind"], archive["local_id"], archive["stripe_id"]) == (
        "product",
        tea["id"],
        f"vitrina_prod_{tea['id']}",
    )

    emulator.fault("500", count=1)
    await sync_due_once(50, config=FAST)
    failing = await summary()
    assert failing["by_kind"]["archive"] == {"pending": 0, "failed": 1}
    assert failing["failed"] == 1
    [archive] = failing["archives"]
    assert archive["attempts"] == 1 and "500" in archive["last_error"]
    assert archive["next_attempt_at"] is not None

    await _drain_tombstones()
    done = await summary()
    assert done["archives"] == [] and done["by_kind"]["archive"] == {"pending": 0, "failed": 0}
