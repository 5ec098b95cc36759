"""POST /checkout: one Stripe Checkout Session per basket state, stock reserved with it."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from sqlalchemy import func, select

from vitrina.basket.checkout import RESERVATION_GRACE
from vitrina.basket.models import Basket, CheckoutSession, CheckoutStatus, StockReservation
from vitrina.basket.reservations import purge_expired_reservations, reserved_quantities
from vitrina.kit.clock import utcnow


async def _reservations(session, checkout_id: str) -> list[tuple[int, int]]:
    rows = await session.execute(
        select(StockReservation.product_id, StockReservation.quantity).where(
            StockReservation.checkout_session_id == checkout_id
        )
    )
    return sorted((p, q) for p, q in rows)


async def test_checkout_creates_the_session_the_store_computed(
    client, shopper, make_product, make_coupon, emulator, session, settings
) -> None:
    user, headers = await shopper()
    mug = await make_product(name="Mug", price=1999, stock=4)
    tea = await make_product(name="Tea", price=550, stock=10)
    await make_coupon(number="TEA15", discount="15")
    await client.put(f"/api/v1/basket/items/{mug.id}", json={"quantity": 2}, headers=headers)
    await client.put(f"/api/v1/basket/items/{tea.id}", json={"quantity": 3}, headers=headers)
    basket = (
        await client.put("/api/v1/basket/promo", json={"code": "tea15"}, headers=headers)
    ).json()

    r = await client.post("/api/v1/checkout", headers=headers)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["amount_total"] == basket["total"]
    assert out["currency"] == settings.store_currency
    assert out["url"] and out["session_id"].startswith("cs_")

    stripe_session = await emulator.session(out["session_id"])
    assert stripe_session.status == "open"
    assert stripe_session.amount_total == basket["total"]
    assert stripe_session.total_details.amount_discount == basket["discount"]
    assert stripe_session.amount_subtotal == 2 * 1999 + 3 * 550
    assert stripe_session.client_reference_id == f"basket-{basket['id']}"
    assert stripe_session.metadata.to_dict() == {
        "basket_id": str(basket["id"]),
        "unique_code": basket["unique_code"],
        "user_id": str(user.id),
    }
    assert stripe_session.customer_email is None, "Stripe refuses it beside customer"
    customer = await emulator.stripe.v1.customers.retrieve_async(str(stripe_session.customer))
    assert (customer.email, customer.metadata.to_dict()) == (
        user.email,
        {"vitrina_user_id": str(user.id)},
    )
    assert stripe_session.customer_details.email == user.email
    assert stripe_session.mode == "payment"
    query = parse_qs(urlparse(stripe_session.success_url).query)
    assert query["code"] == [basket["unique_code"]]
    assert query["session_id"] == ["{CHECKOUT_SESSION_ID}"]
    assert stripe_session.cancel_url == f"{settings.public_base_url}/basket?checkout=cancelled"
    minutes = (stripe_session.expires_at - stripe_session.created) / 60
    assert settings.checkout_session_minutes <= minutes <= settings.checkout_session_minutes + 1
    calls = await emulator.calls("/v1/checkout/sessions")
    assert calls[-1]["idempotency_key"] == (
        f"vitrina:checkout:{basket['id']}:{basket['unique_code']}"
    )
    line_items = await emulator.stripe.v1.checkout.sessions.line_items.list_async(out["session_id"])
    assert sorted(
        (li.description, li.quantity, li.price.unit_amount) for li in line_items.data
    ) == [
        ("Mug", 2, 1999),
        ("Tea", 3, 550),
    ]

    row = await session.get(CheckoutSession, out["session_id"])
    assert row is not None and row.status == CheckoutStatus.OPEN
    assert (row.amount_subtotal, row.amount_discount, row.amount_total) == (
        basket["subtotal"],
        basket["discount"],
        basket["total"],
    )
    assert row.unique_code == basket["unique_code"] and row.coupon_number == "TEA15"
    assert row.items == [
        {
            "product_id": mug.id,
            "variant_id": mug.id,  # a product made before variants: its variant has its id
            "sku": None,
            "options": "",
            "name": "Mug",
            "unit_price": 1999,
            "quantity": 2,
            "line_total": 3998,
        },
        {
            "product_id": tea.id,
            "variant_id": tea.id,
            "sku": None,
            "options": "",
            "name": "Tea",
            "unit_price": 550,
            "quantity": 3,
            "line_total": 1650,
        },
    ]
    assert await _reservations(session, row.id) == sorted([(mug.id, 2), (tea.id, 3)])
    held_until = set(
        await session.scalars(
            select(StockReservation.expires_at).where(
                StockReservation.checkout_session_id == row.id
            )
        )
    )
    assert held_until == {row.expires_at + RESERVATION_GRACE}
    assert row.expires_at.timestamp() == stripe_session.expires_at
    stored = await session.scalar(select(Basket).where(Basket.user_id == user.id))
    assert stored is not None and stored.session_id == out["session_id"]
    shown = (await client.get("/api/v1/basket", headers=headers)).json()
    assert shown["checkout"]["session_id"] == out["session_id"]


async def test_unchanged_basket_returns_the_same_session(
    client, shopper, make_product, emulator
) -> None:
    _, headers = await shopper()
    product = await make_product(stock=3)
    await client.put(f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=headers)
    first = (await client.post("/api/v1/checkout", headers=headers)).json()
    second = (await client.post("/api/v1/checkout", headers=headers)).json()
    assert second == first
    assert len(await emulator.calls("/v1/checkout/sessions")) == 1


async def test_basket_change_expires_the_open_session(
    client, shopper, make_product, emulator, session
) -> None:
    _, headers = await shopper()
    product = await make_product(stock=5)
    await client.put(f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=headers)
    code_before = (await client.get("/api/v1/basket", headers=headers)).json()["unique_code"]
    first = (await client.post("/api/v1/checkout", headers=headers)).json()

    r = await client.put(
        f"/api/v1/basket/items/{product.id}", json={"quantity": 2}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["unique_code"] != code_before
    assert r.json()["checkout"] is None
    assert (await emulator.session(first["session_id"])).status == "expired"
    old = await session.get(CheckoutSession, first["session_id"])
    assert old is not None and old.status == CheckoutStatus.EXPIRED
    assert await _reservations(session, first["session_id"]) == []

    second = (await client.post("/api/v1/checkout", headers=headers)).json()
    assert second["session_id"] != first["session_id"]
    new = await emulator.session(second["session_id"])
    assert new.status == "open" and new.metadata["unique_code"] == r.json()["unique_code"]
    assert await _reservations(session, second["session_id"]) == [(product.id, 2)]


async def test_coupon_change_and_removal_also_expire(
    client, shopper, make_product, make_coupon, emulator
) -> None:
    _, headers = await shopper()
    product = await make_product(price=1000, stock=5)
    await make_coupon(number="TEN", discount="10")
    await client.put(f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=headers)
    first = (await client.post("/api/v1/checkout", headers=headers)).json()
    await client.put("/api/v1/basket/promo", json={"code": "TEN"}, headers=headers)
    assert (await emulator.session(first["session_id"])).status == "expired"
    r = await client.post("/api/v1/checkout", headers=headers)
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["amount_total"] == first["amount_total"] - 100
    await client.delete(f"/api/v1/basket/items/{product.id}", headers=headers)
    assert (await emulator.session(second["session_id"])).status == "expired"


async def test_price_change_replaces_the_session_at_the_current_price(
    client, shopper, make_product, emulator, session
) -> None:
    _, headers = await shopper()
    product = await make_product(price=1000, stock=5)
    await client.put(f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=headers)
    first = (await client.post("/api/v1/checkout", headers=headers)).json()
    product.price = 1500
    await session.commit()
    second = (await client.post("/api/v1/checkout", headers=headers)).json()
    assert second["session_id"] != first["session_id"]
    assert (await emulator.session(second["session_id"])).amount_subtotal == 1500
    assert (await emulator.session(first["session_id"])).status == "expired"


async def test_empty_basket_and_sold_out_are_refused(
    client, shopper, make_product, session
) -> None:
    _, headers = await shopper()
    r = await client.post("/api/v1/checkout", headers=headers)
    assert r.status_code == 422 and r.json()["detail"] == "Your basket is empty."
    product = await make_product(name="Vase", stock=2)
    await client.put(f"/api/v1/basket/items/{product.id}", json={"quantity": 2}, headers=headers)
    product.stock = 1
    await session.commit()
    r = await client.post("/api/v1/checkout", headers=headers)
    assert r.status_code == 409
    assert r.json()["detail"] == "Only 1 of “Vase” left in stock; you have 2."
    product.is_active = False
    await session.commit()
    r = await client.post("/api/v1/checkout", headers=headers)
    assert r.status_code == 409 and "no longer for sale" in r.json()["detail"]


async def test_reservations_hold_stock_until_they_expire(
    client, shopper, make_product, session
) -> None:
    product = await make_product(name="Bowl", stock=1)
    _, alice = await shopper()
    _, bob = await shopper()
    await client.put(f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=alice)
    await client.put(f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=bob)
    assert (await client.post("/api/v1/checkout", headers=alice)).status_code == 200
    r = await client.post("/api/v1/checkout", headers=bob)
    assert r.status_code == 409 and r.json()["detail"] == "“Bowl” is out of stock."
    view = (await client.get("/api/v1/basket", headers=bob)).json()
    assert view["items"][0]["product"]["available_stock"] == 0
    alice_view = (await client.get("/api/v1/basket", headers=alice)).json()
    assert alice_view["items"][0]["product"]["available_stock"] == 1

    past = utcnow() - timedelta(seconds=1)
    reservation = await session.scalar(select(StockReservation))
    assert reservation is not None
    reservation.expires_at = past
    await session.commit()
    assert await reserved_quantities(session, [product.id]) == {}
    assert (await client.post("/api/v1/checkout", headers=bob)).status_code == 200
    assert await purge_expired_reservations(session) == 1
    await session.commit()
    count = await session.scalar(select(func.count()).select_from(StockReservation))
    assert count == 1


async def test_total_below_stripes_minimum_charge_is_refused(
    client, shopper, make_product, settings
) -> None:
    _, headers = await shopper()
    sweet = await make_product(name="Sweet", price=10, stock=100)
    r = await client.put(f"/api/v1/basket/items/{sweet.id}", json={"quantity": 2}, headers=headers)
    assert settings.store_currency == "usd" and settings.shipping_rate_amount < 30
    total = 20 + settings.shipping_rate_amount
    warning = f"The minimum order is 0.50 USD; this basket comes to {total / 100:.2f} USD."
    assert {"product_id": None, "message": warning} in r.json()["warnings"]
    r = await client.post("/api/v1/checkout", headers=headers)
    assert r.status_code == 422 and r.json()["detail"] == warning
    r = await client.put(f"/api/v1/basket/items/{sweet.id}", json={"quantity": 5}, headers=headers)
    assert (await client.post("/api/v1/checkout", headers=headers)).status_code == 200
