"""Concurrent checkouts never reserve more stock, or coupon redemptions, than exist."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import func, select

from vitrina.basket.models import StockReservation
from vitrina.basket.reservations import reserved_quantities
from vitrina.catalog.models import Product
from vitrina.coupons.models import CouponRedemption
from vitrina.db import db_helper
from vitrina.orders.models import Order


async def _shoppers_with(client, shopper, product, count: int, code: str | None = None):
    everyone = []
    for _ in range(count):
        _, headers = await shopper()
        r = await client.put(
            f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=headers
        )
        assert r.status_code == 200, r.text
        if code is not None:
            r = await client.put("/api/v1/basket/promo", json={"code": code}, headers=headers)
            assert r.status_code == 200, r.text
        everyone.append(headers)
    return everyone


async def test_fifty_customers_ten_in_stock(client, shopper, make_product, emulator, session):
    product = await make_product(name="Limited print", price=2500, stock=10)
    everyone = await _shoppers_with(client, shopper, product, 50)
    done = asyncio.Event()
    seen_available: list[int] = []

    async def watch_available_stock() -> None:
        async with db_helper.session_factory() as watcher:
            while True:
                finished = done.is_set()
                reserved = await reserved_quantities(watcher, [product.id])
                seen_available.append(product.stock - reserved.get(product.id, 0))
                await watcher.rollback()
                if finished:
                    return
                await asyncio.sleep(0.005)

    watcher = asyncio.create_task(watch_available_stock())
    responses = await asyncio.gather(
        *(client.post("/api/v1/checkout", headers=headers) for headers in everyone)
    )
    done.set()
    await watcher
    assert len(seen_available) > 3 and min(seen_available) == 0
    assert all(available >= 0 for available in seen_available)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 10, 409: 40}
    assert {r.json()["detail"] for r in responses if r.status_code == 409} == {
        "“Limited print” is out of stock."
    }
    reserved = await session.scalar(
        select(func.sum(StockReservation.quantity)).where(StockReservation.product_id == product.id)
    )
    assert reserved == 10
    assert product.stock - reserved >= 0
    assert (
        len([c for c in await emulator.calls("/v1/checkout/sessions") if c["status"] == 200]) == 10
    )
    session_ids = {r.json()["session_id"] for r in responses if r.status_code == 200}
    assert len(session_ids) == 10
    for session_id in session_ids:
        assert (await emulator.session(session_id)).status == "open"


@pytest.mark.parametrize(
    ("terms", "discount"),
    [({"discount": "50"}, 500), ({"discount": None, "amount_off": 300}, 300)],
    ids=["percent", "amount"],
)
async def test_coupon_total_limit_holds_under_concurrency(
    client, shopper, make_product, make_coupon, emulator, terms, discount
):
    product = await make_product(price=1000, stock=100)
    await make_coupon(number="FIRST3", max_redemptions=3, **terms)
    everyone = await _shoppers_with(client, shopper, product, 12, code="first3")
    responses = await asyncio.gather(
        *(client.post("/api/v1/checkout", headers=headers) for headers in everyone)
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 3, 409: 9}
    assert {r.json()["detail"] for r in responses if r.status_code == 409} == {
        "Promo code FIRST3 has been used up."
    }
    for r in responses:
        if r.status_code == 200:
            assert (
                await emulator.session(r.json()["session_id"])
            ).total_details.amount_discount == discount


async def test_one_customer_many_clicks_one_session(client, shopper, make_product, emulator):
    product = await make_product(stock=5)
    [headers] = await _shoppers_with(client, shopper, product, 1)
    responses = await asyncio.gather(
        *(client.post("/api/v1/checkout", headers=headers) for _ in range(8))
    )
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["session_id"] for r in responses}) == 1
    assert len(await emulator.calls("/v1/checkout/sessions")) == 1


async def test_concurrent_edit_and_checkout_leave_one_consistent_state(
    client, shopper, make_product, emulator, session
):
    product = await make_product(stock=5)
    [headers] = await _shoppers_with(client, shopper, product, 1)
    url = f"/api/v1/basket/items/{product.id}"
    results = await asyncio.gather(
        client.post("/api/v1/checkout", headers=headers),
        client.put(url, json={"quantity": 2}, headers=headers),
        client.post("/api/v1/checkout", headers=headers),
        client.put(url, json={"quantity": 3}, headers=headers),
    )
    assert all(r.status_code == 200 for r in results), [r.text for r in results]
    view = (await client.get("/api/v1/basket", headers=headers)).json()
    opened = await emulator.control("GET", "calls?path=/v1/checkout/sessions&method=POST")
    assert opened["data"]
    rows = await session.execute(
        select(StockReservation.checkout_session_id, StockReservation.quantity)
    )
    held = list(rows)
    if view["checkout"] is None:
        assert held == []
    else:
        assert held == [(view["checkout"]["session_id"], view["items"][0]["quantity"])]
        assert (await emulator.session(view["checkout"]["session_id"])).status == "open"


async def _pay_and_return_at_once(client, emulator, opened: list[tuple[dict, str]]) -> None:
    """Pay every opened session on Stripe, then come back to all the success URLs at once."""
    returns = []
    for headers, session_id in opened:
        await emulator.control(
            "POST", f"checkout/sessions/{session_id}/complete", {"outcome": "paid"}
        )
        code = (await client.get("/api/v1/basket", headers=headers)).json()["unique_code"]
        returns.append(
            client.get(
                "/api/v1/checkout/success",
                params={"session_id": session_id, "code": code},
                headers=headers,
            )
        )
    backs = await asyncio.gather(*returns)
    assert all(r.status_code == 200 for r in backs), [r.text for r in backs]


async def test_issue_race_thirty_checkouts_of_five_in_stock_make_five_orders(
    client, shopper, make_product, emulator, session
):
    """Issue 14's race, on SQLite as on PostgreSQL: 30 parallel checkouts of a product with
    5 in stock open 5 Stripe sessions; paid, they make 5 orders and leave none in stock."""
    product = await make_product(name="Last five", price=1500, stock=5)
    everyone = await _shoppers_with(client, shopper, product, 30)
    responses = await asyncio.gather(
        *(client.post("/api/v1/checkout", headers=headers) for headers in everyone)
    )
    assert Counter(r.status_code for r in responses) == {200: 5, 409: 25}
    created = [c for c in await emulator.calls("/v1/checkout/sessions") if c["status"] == 200]
    assert len(created) == 5
    opened = [
        (headers, r.json()["session_id"])
        for headers, r in zip(everyone, responses, strict=True)
        if r.status_code == 200
    ]
    await _pay_and_return_at_once(client, emulator, opened)
    assert await session.scalar(select(func.count()).select_from(Order)) == 5
    assert await session.scalar(select(Product.stock).where(Product.id == product.id)) == 0


async def test_issue_race_twenty_checkouts_redeem_a_three_use_coupon_three_times(
    client, shopper, make_product, make_coupon, emulator, session
):
    product = await make_product(price=1000, stock=100)
    await make_coupon(number="ONLY3", discount="20", max_redemptions=3)
    everyone = await _shoppers_with(client, shopper, product, 20, code="only3")
    responses = await asyncio.gather(
        *(client.post("/api/v1/checkout", headers=headers) for headers in everyone)
    )
    assert Counter(r.status_code for r in responses) == {200: 3, 409: 17}
    opened = [
        (headers, r.json()["session_id"])
        for headers, r in zip(everyone, responses, strict=True)
        if r.status_code == 200
    ]
    await _pay_and_return_at_once(client, emulator, opened)
    assert await session.scalar(select(func.count()).select_from(CouponRedemption)) == 3
    assert await session.scalar(select(func.count()).select_from(Order)) == 3
