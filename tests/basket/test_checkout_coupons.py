"""Coupon rules at checkout: expiry as an instant (whatever timezone it was set in), and the
per-customer limit after a real purchase."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from zoneinfo import ZoneInfo

from vitrina.kit.clock import utcnow
from vitrina.payments.fulfilment import fulfil_checkout_session

ALMATY = ZoneInfo("Asia/Almaty")


async def _basket_with(client, headers, product, code: str | None = None):
    r = await client.put(
        f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=headers
    )
    assert r.status_code == 200, r.text
    if code is not None:
        return await client.put("/api/v1/basket/promo", json={"code": code}, headers=headers)
    return r


async def test_expiry_is_the_instant_in_the_stores_timezone(
    client, shopper, make_product, make_coupon
) -> None:
    """A coupon that ended a minute ago in Almaty (UTC+5) is expired, although its local
    wall-clock time is hours "ahead" of UTC; one ending in a minute is still good."""
    local_now = utcnow().astimezone(ALMATY)
    await make_coupon(number="ENDED", end_at=local_now - timedelta(minutes=1))
    await make_coupon(number="ALMOST", discount="5", end_at=local_now + timedelta(minutes=1))
    product = await make_product(price=2000, stock=5)
    _, headers = await shopper()
    r = await _basket_with(client, headers, product, "ended")
    assert r.status_code == 422 and r.json()["detail"] == "This coupon has expired."
    r = await client.put("/api/v1/basket/promo", json={"code": "almost"}, headers=headers)
    assert r.status_code == 200 and r.json()["discount"] == 100


async def test_coupon_expiring_in_the_basket_is_dropped_with_a_warning(
    client, shopper, make_product, make_coupon
) -> None:
    await make_coupon(number="BRIEF", end_at=utcnow() + timedelta(seconds=2))
    product = await make_product(price=1000, stock=5)
    _, headers = await shopper()
    r = await _basket_with(client, headers, product, "BRIEF")
    assert r.json()["discount"] == 100
    await asyncio.sleep(2.2)
    view = (await client.get("/api/v1/basket", headers=headers)).json()
    assert view["coupon"] is None and view["discount"] == 0
    assert {"product_id": None, "message": "This coupon has expired."} in view["warnings"]
    r = await client.post("/api/v1/checkout", headers=headers)
    assert r.status_code == 422 and r.json()["detail"] == "This coupon has expired."


async def test_per_customer_limit_after_a_real_purchase(
    client, shopper, make_product, make_coupon, emulator, session
) -> None:
    await make_coupon(number="ONCE", discount="10", max_redemptions_per_customer=1)
    product = await make_product(price=1000, stock=5)
    _, headers = await shopper()
    code = (await _basket_with(client, headers, product, "ONCE")).json()["unique_code"]
    opened = (await client.post("/api/v1/checkout", headers=headers)).json()
    await emulator.control(
        "POST", f"checkout/sessions/{opened['session_id']}/complete", {"outcome": "paid"}
    )
    order = await fulfil_checkout_session(session, opened["session_id"])
    await session.commit()
    assert order is not None

    after = (await client.get("/api/v1/basket", headers=headers)).json()
    assert after["items"] == [] and after["checkout"] is None
    assert after["unique_code"] and after["unique_code"] != code
    r = await _basket_with(client, headers, product, "ONCE")
    assert r.status_code == 422
    assert r.json()["detail"] == "You have already used this coupon as many times as allowed."
    _, other = await shopper()
    assert (await _basket_with(client, other, product, "once")).status_code == 200
