"""The SDK's async methods (httpx transport) against the emulator."""

from __future__ import annotations

import asyncio

import pytest
import stripe

from vitrina.stripe_emulator.testing import EmulatorServer


async def test_async_checkout_flow(asc: stripe.StripeClient, emulator: EmulatorServer) -> None:
    product = await asc.v1.products.create_async(
        {"name": "Tea", "default_price_data": {"currency": "eur", "unit_amount": 450}}
    )
    coupon = await asc.v1.coupons.create_async({"percent_off": 10})
    session = await asc.v1.checkout.sessions.create_async(
        {
            "mode": "payment",
            "success_url": "http://127.0.0.1:9/ok?id={CHECKOUT_SESSION_ID}",
            "line_items": [{"price": str(product.default_price), "quantity": 2}],
            "discounts": [{"coupon": coupon.id}],
        },
        {"idempotency_key": "async-1"},
    )
    assert session.amount_total == 810
    replay = await asc.v1.checkout.sessions.create_async(
        {
            "mode": "payment",
            "success_url": "http://127.0.0.1:9/ok?id={CHECKOUT_SESSION_ID}",
            "line_items": [{"price": str(product.default_price), "quantity": 2}],
            "discounts": [{"coupon": coupon.id}],
        },
        {"idempotency_key": "async-1"},
    )
    assert replay.id == session.id
    items = await asc.v1.checkout.sessions.line_items.list_async(session.id)
    assert items.data[0].amount_discount == 90
    expired = await asc.v1.checkout.sessions.expire_async(session.id)
    assert expired.status == "expired"
    with pytest.raises(stripe.InvalidRequestError):
        await asc.v1.checkout.sessions.expire_async(session.id)
    listed = await asc.v1.checkout.sessions.list_async({"status": "expired"})
    assert [s.id for s in listed.data] == [session.id]


async def test_async_concurrent_creates_with_one_key(
    asc: stripe.StripeClient, emulator: EmulatorServer
) -> None:
    results = await asyncio.gather(
        *(
            asc.v1.products.create_async({"name": "Tea"}, {"idempotency_key": "same"})
            for _ in range(5)
        ),
        return_exceptions=True,
    )
    products = [r for r in results if isinstance(r, stripe.Product)]
    conflicts = [r for r in results if isinstance(r, stripe.APIError) and r.http_status == 409]
    assert len(products) + len(conflicts) == 5
    assert len({p.id for p in products}) == 1
    assert len((await asc.v1.products.list_async()).data) == 1


async def test_async_errors_map_like_sync(asc: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        await asc.v1.prices.create_async({"currency": "usd", "unit_amount": 1, "product": "none"})
    assert raised.value.code == "resource_missing"
