"""Staff changes reach Stripe through the worker: products, coupons, their sync state."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from payments.conftest import (
    FAST,
    EmulatorControls,
    assert_stripe_matches_store,
    drain,
    pending_rows,
)
from vitrina.catalog.models import Product
from vitrina.payments.sync.ids import coupon_stripe_id
from vitrina.payments.sync.worker import sync_due_once

FAR = 8043214523
pytestmark = pytest.mark.usefixtures("sync_app")


async def _product(client: httpx.AsyncClient, headers: dict[str, str], **fields: Any) -> dict:
    response = await client.post("/api/v1/products", json=fields, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_staff_changes_converge_in_stripe(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    make_category: Any,
    emulator: EmulatorControls,
    stripe_client: stripe.StripeClient,
    session: AsyncSession,
) -> None:
    category = await make_category()
    tea = await _product(client, staff_headers, name="Tea", price=1250, category_id=category.id)
    cup = await _product(client, staff_headers, name="Cup", price=900, category_id=category.id)
    coupon = (
        await client.post(
            "/api/v1/coupons",
            json={"number": "COUPON", "discount": 22.0, "end_at": FAR},
            headers=staff_headers,
        )
    ).json()
    assert coupon["sync_state"] == "pending"
    await drain()
    await assert_stripe_matches_store()

    remote = stripe_client.v1.products.retrieve(
        f"vitrina_prod_{tea['id']}", {"expand": ["default_price"]}
    )
    assert remote.name == "Tea" and remote.default_price.unit_amount == 1250  # type: ignore[union-attr]
    shown = (await client.get(f"/api/v1/coupons/{coupon['id']}", headers=staff_headers)).json()
    assert shown["sync_state"] == "synced"
    assert shown["stripe_id"] == coupon_stripe_id(coupon["id"], 22.0, FAR)
    assert shown["stripe_promotion_code_id"].startswith("promo_")

    await client.patch(
        f"/api/v1/products/{tea['id']}",
        json={"name": "Green tea", "price": 1500},
        headers=staff_headers,
    )
    await client.post(f"/api/v1/products/{cup['id']}/deactivate", headers=staff_headers)
    await client.patch(
        f"/api/v1/coupons/{coupon['id']}", json={"number": "NEWCOUPON"}, headers=staff_headers
    )
    await drain()
    await assert_stripe_matches_store()
    assert not stripe_client.v1.products.retrieve(f"vitrina_prod_{cup['id']}").active
    codes = stripe_client.v1.promotion_codes.list({"active": True}).data
    assert [c.code for c in codes] == ["NEWCOUPON"]

    await client.patch(
        f"/api/v1/coupons/{coupon['id']}", json={"discount": 30}, headers=staff_headers
    )
    await client.post(f"/api/v1/products/{cup['id']}/activate", headers=staff_headers)
    await client.patch(f"/api/v1/products/{tea['id']}", json={"price": 1250}, headers=staff_headers)
    await drain()
    await assert_stripe_matches_store()
    assert [c.id for c in stripe_client.v1.coupons.list().data] == [
        coupon_stripe_id(coupon["id"], 30, FAR)
    ]
    prices = stripe_client.v1.prices.list({"product": f"vitrina_prod_{tea['id']}"}).data
    assert sorted(p.unit_amount or 0 for p in prices) == [1250, 1500]  # 1250 reused, not twinned

    assert (
        await client.delete(f"/api/v1/coupons/{coupon['id']}", headers=staff_headers)
    ).status_code == 204
    await drain()
    await assert_stripe_matches_store()
    assert stripe_client.v1.coupons.list().data == []
    assert stripe_client.v1.promotion_codes.list({"active": True}).data == []

    rows = list(await session.scalars(select(Product)))
    assert all(r.sync_state == "synced" and r.stripe_price_id for r in rows)


async def test_sync_summary_and_retry(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    customer_headers: dict[str, str],
    make_product: Any,
    emulator: EmulatorControls,
    stripe_client: stripe.StripeClient,
) -> None:
    product = await make_product(name="Tea", price=1250)
    emulator.fault("500", count=1)
    await drain_once()
    summary = (await client.get("/api/v1/stripe/sync", headers=staff_headers)).json()
    assert summary["failed"] == 1 and summary["by_kind"]["product"]["failed"] == 1
    row = summary["rows"][0]
    assert row["kind"] == "product" and row["id"] == product.id
    assert "500" in row["sync_error"] and row["sync_attempts"] == 1
    assert row["sync_next_attempt_at"] is not None

    retried = await client.post(
        f"/api/v1/stripe/sync/product/{product.id}/retry", headers=staff_headers
    )
    assert retried.status_code == 202 and retried.json()["sync_next_attempt_at"] is None
    await drain()
    summary = (await client.get("/api/v1/stripe/sync", headers=staff_headers)).json()
    assert summary == {
        "pending": 0,
        "failed": 0,
        "by_kind": {
            "product": {"pending": 0, "failed": 0},
            "coupon": {"pending": 0, "failed": 0},
            "archive": {"pending": 0, "failed": 0},
        },
        "rows": [],
        "archives": [],
    }
    await assert_stripe_matches_store()
    assert (await client.get("/api/v1/stripe/sync", headers=customer_headers)).status_code == 403
    assert (await client.post("/api/v1/stripe/sync/product/1/retry")).status_code == 401
    missing = await client.post("/api/v1/stripe/sync/coupon/999/retry", headers=staff_headers)
    assert missing.status_code == 404
    wrong = await client.post("/api/v1/stripe/sync/order/1/retry", headers=staff_headers)
    assert wrong.status_code == 422


async def drain_once() -> None:
    from payments.conftest import FAST
    from vitrina.payments.sync import sync_due_once

    await sync_due_once(10, config=FAST)


async def test_a_change_that_kept_the_version_is_still_delivered(
    make_product: Any, session: AsyncSession, emulator: EmulatorControls
) -> None:
    """Two unlocked edits can write the same next version; the worker must not take the
    second one for delivered just because the version matches."""
    import asyncio

    from sqlalchemy import update

    from payments.conftest import FAST
    from vitrina.payments.sync import sync_due_once

    product = await make_product(name="Tea", price=1250)
    emulator.fault("slow", count=1, delay=1.0, path_prefix="/v1/products", method="POST")
    delivery = asyncio.create_task(sync_due_once(5, config=FAST))
    for _ in range(500):
        if emulator.calls("/v1/products", "POST"):
            break
        await asyncio.sleep(0.02)
    await session.execute(update(Product).where(Product.id == product.id).values(name="Oolong"))
    await session.commit()
    await delivery

    await session.refresh(product)
    assert product.synced_version < product.sync_version
    await drain()
    await assert_stripe_matches_store()


async def test_deactivating_a_coupon_deactivates_its_code_and_back(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    emulator: EmulatorControls,
    stripe_client: stripe.StripeClient,
) -> None:
    coupon = (
        await client.post(
            "/api/v1/coupons",
            json={"number": "PAUSE", "discount": 5, "end_at": FAR},
            headers=staff_headers,
        )
    ).json()
    await drain()
    url = f"/api/v1/coupons/{coupon['id']}"
    await client.patch(url, json={"is_active": False}, headers=staff_headers)
    await drain()
    assert stripe_client.v1.promotion_codes.list({"active": True}).data == []
    await assert_stripe_matches_store()

    await client.patch(url, json={"is_active": True}, headers=staff_headers)
    await drain()
    await assert_stripe_matches_store()
    codes = stripe_client.v1.promotion_codes.list().data
    assert [(c.code, c.active) for c in codes] == [("PAUSE", True)]  # the same code, reactivated


async def _coupon(client: httpx.AsyncClient, headers: dict[str, str], number: str) -> int:
    response = await client.post(
        "/api/v1/coupons", json={"number": number, "discount": 5, "end_at": FAR}, headers=headers
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _active_codes(stripe_client: stripe.StripeClient) -> list[str]:
    return sorted(c.code for c in stripe_client.v1.promotion_codes.list({"active": True}).data)


async def test_a_deleted_coupons_code_can_be_given_again(
    client: httpx.AsyncClient, staff_headers: dict[str, str], stripe_client: stripe.StripeClient
) -> None:
    old = await _coupon(client, staff_headers, "AGAIN")
    await drain()
    deleted = await client.delete(f"/api/v1/coupons/{old}", headers=staff_headers)
    assert deleted.status_code in (200, 204), deleted.text
    await _coupon(client, staff_headers, "again")  # codes ignore case
    duplicate = await client.post(
        "/api/v1/coupons",
        json={"number": "Again", "discount": 5, "end_at": FAR},
        headers=staff_headers,
    )
    assert duplicate.status_code == 409  # still unique among live coupons
    await sync_due_once(50, config=FAST)
    assert await pending_rows() == 0
    await assert_stripe_matches_store()
    assert _active_codes(stripe_client) == ["again"]


async def test_a_code_moves_between_coupons_whichever_syncs_first(
    client: httpx.AsyncClient, staff_headers: dict[str, str], stripe_client: stripe.StripeClient
) -> None:
    first = await _coupon(client, staff_headers, "FIRST")
    second = await _coupon(client, staff_headers, "MOVING")
    await drain()
    # The code leaves the second coupon for the first, which the worker reaches first (by id):
    # Stripe still shows the code on the second coupon when the first one claims it.
    for coupon_id, number in ((second, "SECOND"), (first, "MOVING")):
        response = await client.patch(
            f"/api/v1/coupons/{coupon_id}", json={"number": number}, headers=staff_headers
        )
        assert response.status_code == 200, response.text
    await sync_due_once(50, config=FAST)
    assert await pending_rows() == 0  # one pass: no attempt failed on the code being taken
    await assert_stripe_matches_store()
    assert _active_codes(stripe_client) == ["MOVING", "SECOND"]
