"""Checkout offers the zone's options to Stripe; the order keeps the one chosen."""

from __future__ import annotations

from sqlalchemy import select

from vitrina.orders.models import Order
from vitrina.payments.fulfilment import fulfil_checkout_session


async def test_checkout_sends_the_options_and_the_order_keeps_the_chosen_one(
    client, shopper, make_product, europe, emulator, session
) -> None:
    zone = await europe()
    _, headers = await shopper()
    lamp = await make_product(name="Lamp", price=4000, stock=9, weight_grams=700)
    await client.put(f"/api/v1/basket/items/{lamp.id}", json={"quantity": 1}, headers=headers)

    r = await client.post("/api/v1/checkout?country=DE", headers=headers)
    assert r.status_code == 200, r.text
    opened = r.json()
    assert opened["amount_total"] == 4000 + 200
    remote = await emulator.session(opened["session_id"])
    assert remote.shipping_address_collection.allowed_countries == ["DE", "FR", "NL"]
    rates = [
        await emulator.stripe.v1.shipping_rates.retrieve_async(str(o.shipping_rate))
        for o in remote.shipping_options
    ]
    assert [(r.display_name, r.fixed_amount.amount) for r in rates] == [
        ("Pickup in Berlin", 200),
        ("Post", 500),
        ("Courier", 1500),
    ]
    courier = rates[2]
    assert courier.delivery_estimate.minimum.to_dict() == {"unit": "business_day", "value": 1}
    assert courier.delivery_estimate.maximum.value == 2
    assert courier.metadata["vitrina_shipping_method_id"] == str(zone["methods"][0]["id"])

    # the same basket and country: the same session; another country of the zone: a new one
    again = (await client.post("/api/v1/checkout?country=DE", headers=headers)).json()
    assert again["session_id"] == opened["session_id"]
    other = (await client.post("/api/v1/checkout?country=FR", headers=headers)).json()
    assert other["session_id"] != opened["session_id"]

    courier_rate = (await emulator.session(other["session_id"])).shipping_options[2].shipping_rate
    address = {"name": "Kim", "line1": "1 Rue", "city": "Paris", "postal_code": "75001"}
    await emulator.complete(
        other["session_id"],
        shipping_rate=str(courier_rate),
        shipping={**address, "country": "FR"},
    )
    paid = await emulator.session(other["session_id"])
    assert paid.amount_total == 4000 + 1500
    order = await fulfil_checkout_session(session, other["session_id"])
    await session.commit()
    assert order is not None
    stored = await session.scalar(select(Order).where(Order.id == order.id))
    assert stored is not None
    assert (stored.shipping_name, stored.shipping, stored.total) == ("Courier", 1500, 5500)
    assert stored.shipping_rate_id == paid.shipping_cost.shipping_rate
    assert stored.total == paid.amount_total and not stored.needs_review

    mine = (await client.get(f"/api/v1/orders/{order.id}", headers=headers)).json()
    assert mine["total"] == 5500 and mine["shipping"] == 1500


async def test_what_cannot_be_shipped_is_refused_before_checkout(
    client, shopper, make_product, europe, emulator
) -> None:
    await europe()
    _, headers = await shopper()
    wine = await make_product(name="Wine", price=3000, stock=9, ships_to="de")
    await client.put(f"/api/v1/basket/items/{wine.id}", json={"quantity": 1}, headers=headers)

    r = await client.post("/api/v1/checkout?country=FR", headers=headers)
    assert r.status_code == 422
    assert r.json()["detail"] == (
        "“Wine” cannot be shipped to FR; remove it from your basket or choose another country."
    )
    r = await client.post("/api/v1/checkout?country=US", headers=headers)
    assert r.status_code == 422 and r.json()["detail"] == "We do not ship to US."

    r = await client.post("/api/v1/checkout?country=DE", headers=headers)
    assert r.status_code == 200, r.text
    remote = await emulator.session(r.json()["session_id"])
    assert remote.shipping_address_collection.allowed_countries == ["DE"]


async def test_a_basket_no_method_can_carry_is_refused(
    client, staff_headers, shopper, make_product, emulator
) -> None:
    zone = (
        await client.post(
            "/api/v1/shipping/zones", json={"name": "Home", "countries": ["US"]},
            headers=staff_headers,
        )
    ).json()  # fmt: skip
    tiers = [{"up_to_grams": 500, "amount": 300}]
    await client.post(
        f"/api/v1/shipping/zones/{zone['id']}/methods",
        json={"name": "Mail", "kind": "weight", "weight_tiers": tiers},
        headers=staff_headers,
    )
    _, headers = await shopper()
    anvil = await make_product(name="Anvil", price=9000, stock=3, weight_grams=40_000)
    await client.put(f"/api/v1/basket/items/{anvil.id}", json={"quantity": 1}, headers=headers)
    r = await client.post("/api/v1/checkout", headers=headers)
    assert r.status_code == 422
    assert r.json()["detail"] == (
        "None of our shipping methods to Home can take this basket (40 kg); "
        "remove something from it."
    )
