"""Each tax mode through Checkout: what Stripe is sent, and what the order keeps."""

from __future__ import annotations

from admin.helpers import admin_login
from fixtures.fulfil import fulfilled_order
from vitrina.payments.reconcile import reconcile


async def _rates(client, staff_headers) -> None:
    for tax_class, percentage in (("standard", "19"), ("reduced", "7")):
        r = await client.post(
            "/api/v1/tax-rates",
            json={"country": "DE", "tax_class": tax_class, "percentage": percentage},
            headers=staff_headers,
        )
        assert r.status_code == 201, r.text


async def _buy(client, shopper, make_product, country: str = "DE") -> tuple[dict, dict]:
    _, headers = await shopper()
    lamp = await make_product(name="Lamp", price=10000, stock=5)
    book = await make_product(name="Book", price=2000, stock=5, tax_class="reduced")
    for product in (lamp, book):
        await client.put(
            f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=headers
        )
    r = await client.post(f"/api/v1/checkout?country={country}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json(), headers


async def test_manual_rates_added_to_prices(
    client, staff, staff_headers, shopper, make_product, emulator, session, settings, monkeypatch
) -> None:
    monkeypatch.setattr(settings, "tax_mode", "manual")
    await _rates(client, staff_headers)
    opened, _ = await _buy(client, shopper, make_product)
    remote = await emulator.session(opened["session_id"])
    assert remote.shipping_address_collection.allowed_countries == ["DE"]
    assert remote.amount_total == 10000 + 1900 + 2000 + 140
    assert remote.total_details.amount_tax == 2040
    items = await emulator.stripe.v1.checkout.sessions.line_items.list_async(
        opened["session_id"], {"expand": ["data.taxes"]}
    )
    assert [(i.description, i.price.tax_behavior, i.amount_tax) for i in items.data] == [
        ("Lamp", "exclusive", 1900),
        ("Book", "exclusive", 140),
    ]
    rate = items.data[0].taxes[0].rate
    assert (rate.percentage, rate.inclusive, rate.country) == (19.0, False, "DE")

    await emulator.complete(opened["session_id"])
    order = await fulfilled_order(session, opened["session_id"])
    assert (order.subtotal, order.tax, order.total) == (12000, 2040, 14040)
    assert order.total == (await emulator.session(opened["session_id"])).amount_total
    assert not order.needs_review
    assert [i.tax_amount for i in order.items] == [1900, 140]
    assert sorted((t["percentage"], t["amount"]) for t in order.tax_breakdown or []) == [
        ("19", 1900),
        ("7", 140),
    ]
    assert await reconcile(session) == []

    await admin_login(client, staff)
    page = await client.get(f"/admin/order/details/{order.id}")
    assert "VAT 19 %" in page.text and "$19.00" in page.text and "$140.40" in page.text
    pdf = await client.get(f"/admin/order/{order.id}/invoice.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_manual_rates_included_in_prices_and_a_changed_rate(
    client, staff_headers, shopper, make_product, emulator, session, settings, monkeypatch
) -> None:
    monkeypatch.setattr(settings, "tax_mode", "manual")
    monkeypatch.setattr(settings, "prices_include_tax", True)
    await _rates(client, staff_headers)
    opened, _ = await _buy(client, shopper, make_product)
    remote = await emulator.session(opened["session_id"])
    assert remote.amount_total == 12000
    assert remote.total_details.amount_tax == 1597 + 131  # 10000*19/119, 2000*7/107
    await emulator.complete(opened["session_id"])
    order = await fulfilled_order(session, opened["session_id"])
    assert (order.total, order.tax) == (12000, 1728) and not order.needs_review

    rates = (await client.get("/api/v1/tax-rates", headers=staff_headers)).json()
    standard = next(r for r in rates if r["tax_class"] == "standard")
    old_stripe_id = standard["stripe_id"]
    assert old_stripe_id
    await client.patch(
        f"/api/v1/tax-rates/{standard['id']}", json={"percentage": "20"}, headers=staff_headers
    )
    again, _ = await _buy(client, shopper, make_product)
    remote = await emulator.session(again["session_id"])
    assert remote.total_details.amount_tax == 1667 + 131
    old = await emulator.stripe.v1.tax_rates.retrieve_async(old_stripe_id)
    assert old.active is False


async def test_automatic_tax_from_the_address_stripe_collects(
    shopper, client, make_product, emulator, session, settings, monkeypatch
) -> None:
    monkeypatch.setattr(settings, "tax_mode", "automatic")
    opened, _ = await _buy(client, shopper, make_product, country="FR")
    remote = await emulator.session(opened["session_id"])
    assert remote.automatic_tax.enabled is True
    address = {"name": "Kim", "line1": "1 Rue", "city": "Paris", "postal_code": "75001"}
    await emulator.complete(opened["session_id"], shipping={**address, "country": "FR"})
    paid = await emulator.session(opened["session_id"])
    assert paid.total_details.amount_tax == 2400  # 20 % of 12000
    order = await fulfilled_order(session, opened["session_id"])
    assert (order.tax, order.total) == (2400, paid.amount_total) and not order.needs_review


async def test_random_baskets_cost_in_the_store_what_stripe_charges(
    client, staff_headers, shopper, make_product, make_coupon, emulator, session, settings,
    monkeypatch,
) -> None:  # fmt: skip
    """Seeded random baskets, coupons and price behaviours in manual mode: the basket's total
    (shown before Checkout) is Stripe's amount_total and the order's total."""
    import random

    rng = random.Random(18)
    monkeypatch.setattr(settings, "tax_mode", "manual")
    for tax_class, percentage in (("standard", "19"), ("reduced", "7")):
        await client.post(
            "/api/v1/tax-rates",
            json={"country": "DE", "tax_class": tax_class, "percentage": percentage},
            headers=staff_headers,
        )
    await make_coupon(number="SAVE17", discount="17.5")
    for round_ in range(6):
        monkeypatch.setattr(settings, "prices_include_tax", rng.random() < 0.5)
        _, headers = await shopper()
        for n in range(rng.randint(1, 4)):
            product = await make_product(
                name=f"Thing {round_}-{n}",
                price=rng.randint(99, 50_000),
                stock=50,
                tax_class=rng.choice(["standard", "reduced", "zero"]),
            )
            quantity = rng.randint(1, 5)
            await client.put(
                f"/api/v1/basket/items/{product.id}", json={"quantity": quantity}, headers=headers
            )
        if rng.random() < 0.5:
            await client.put("/api/v1/basket/promo", json={"code": "SAVE17"}, headers=headers)
        basket = (await client.get("/api/v1/basket?country=DE", headers=headers)).json()
        r = await client.post("/api/v1/checkout?country=DE", headers=headers)
        assert r.status_code == 200, r.text
        opened = r.json()
        remote = await emulator.session(opened["session_id"])
        assert (basket["total"], basket["tax"]) == (
            remote.amount_total,
            remote.total_details.amount_tax,
        )
        await emulator.complete(opened["session_id"])
        order = await fulfilled_order(session, opened["session_id"])
        assert order.total == remote.amount_total and order.tax == basket["tax"]
        assert sum(i.tax_amount for i in order.items) == order.tax and not order.needs_review
