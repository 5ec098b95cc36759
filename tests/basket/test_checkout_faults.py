"""Stripe failing during checkout: a clear 503, no reservation or row left behind, and the
next attempt works."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from vitrina.basket.models import Basket, CheckoutSession, StockReservation

SESSIONS = "/v1/checkout/sessions"


async def _nothing_left(session, user_id: int) -> None:
    assert await session.scalar(select(func.count()).select_from(StockReservation)) == 0
    assert await session.scalar(select(func.count()).select_from(CheckoutSession)) == 0
    basket = await session.scalar(select(Basket).where(Basket.user_id == user_id))
    assert basket is not None and basket.session_id is None


async def _basket(client, shopper, make_product):
    user, headers = await shopper()
    product = await make_product(stock=3)
    r = await client.put(
        f"/api/v1/basket/items/{product.id}", json={"quantity": 2}, headers=headers
    )
    assert r.status_code == 200
    return user, headers, product


@pytest.mark.parametrize("kind", ["500", "429", "drop"])
async def test_stripe_fault_gives_503_and_leaks_nothing(
    kind, client, shopper, make_product, emulator, session
) -> None:
    user, headers, _ = await _basket(client, shopper, make_product)
    await emulator.fault(kind, count=1, path_prefix=SESSIONS, method="POST")
    r = await client.post("/api/v1/checkout", headers=headers)
    assert r.status_code == 503
    assert "payment provider" in r.json()["detail"] and "try again" in r.json()["detail"]
    await _nothing_left(session, user.id)

    retry = await client.post("/api/v1/checkout", headers=headers)
    assert retry.status_code == 200, retry.text
    session.expire_all()
    reserved = await session.scalar(select(func.sum(StockReservation.quantity)))
    assert reserved == 2
    stripe_session = await emulator.session(retry.json()["session_id"])
    assert stripe_session.status == "open"
    basket = await session.scalar(select(Basket).where(Basket.user_id == user.id))
    assert basket is not None
    assert stripe_session.metadata["unique_code"] == basket.unique_code


async def test_stored_500_is_not_replayed_forever(
    client, shopper, make_product, emulator, session
) -> None:
    """Stripe keeps a 500 for its idempotency key; the retry must not get it back."""
    _, headers, _ = await _basket(client, shopper, make_product)
    await emulator.fault("500", count=1, path_prefix=SESSIONS, method="POST")
    assert (await client.post("/api/v1/checkout", headers=headers)).status_code == 503
    assert (await client.post("/api/v1/checkout", headers=headers)).status_code == 200
    calls = await emulator.calls(SESSIONS)
    assert len(calls) == 3
    first, again, fresh = calls
    assert first["status"] == 500
    assert (again["status"], again["replayed"]) in {(500, True), (400, False)}
    assert again["idempotency_key"] == first["idempotency_key"]
    assert fresh["status"] == 200 and fresh["idempotency_key"] != first["idempotency_key"]


async def test_slow_stripe_beyond_the_timeout(
    client, shopper, make_product, emulator, session, settings
) -> None:
    user, headers, _ = await _basket(client, shopper, make_product)
    original = settings.stripe_timeout_seconds
    settings.stripe_timeout_seconds = 0.5
    try:
        await emulator.fault("slow", count=1, delay=1.5, path_prefix=SESSIONS, method="POST")
        r = await client.post("/api/v1/checkout", headers=headers)
        assert r.status_code == 503 and "payment provider" in r.json()["detail"]
        await _nothing_left(session, user.id)
        in_flight = await client.post("/api/v1/checkout", headers=headers)
        assert in_flight.status_code == 503
        await _nothing_left(session, user.id)
    finally:
        settings.stripe_timeout_seconds = original
    await asyncio.sleep(1.5)
    retry = await client.post("/api/v1/checkout", headers=headers)
    assert retry.status_code == 200, retry.text
    assert (await emulator.session(retry.json()["session_id"])).status == "open"


async def test_stripe_down_while_editing_keeps_the_basket_as_it_was(
    client, shopper, make_product, emulator, session
) -> None:
    _, headers, product = await _basket(client, shopper, make_product)
    opened = (await client.post("/api/v1/checkout", headers=headers)).json()
    await emulator.fault("500", count=1, path_prefix=SESSIONS, method="POST")
    r = await client.put(
        f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=headers
    )
    assert r.status_code == 503
    view = (await client.get("/api/v1/basket", headers=headers)).json()
    assert view["items"][0]["quantity"] == 2
    assert view["checkout"]["session_id"] == opened["session_id"]
    assert (await emulator.session(opened["session_id"])).status == "open"


async def test_paid_session_blocks_basket_changes(client, shopper, make_product, emulator) -> None:
    _, headers, product = await _basket(client, shopper, make_product)
    opened = (await client.post("/api/v1/checkout", headers=headers)).json()
    await emulator.control(
        "POST", f"checkout/sessions/{opened['session_id']}/complete", {"outcome": "paid"}
    )
    r = await client.put(
        f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=headers
    )
    assert r.status_code == 409 and "paid" in r.json()["detail"]


async def test_stripe_validation_error_is_a_clear_4xx(
    client, shopper, make_product, emulator, session
) -> None:
    """Stripe refusing the request (here: an e-mail address it does not accept) is the
    client's 400 with Stripe's reason, not a 500; nothing is left behind."""
    user, headers, _ = await _basket(client, shopper, make_product)
    user.email = "someone@localhost"
    session.add(user)
    await session.commit()
    r = await client.post("/api/v1/checkout", headers=headers)
    assert r.status_code == 400
    assert "payment provider refused" in r.json()["detail"]
    assert "email" in r.json()["detail"].lower()
    await _nothing_left(session, user.id)
