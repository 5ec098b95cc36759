"""Shopping in another currency through the API: the rate table, `?currency=`, the basket,
shipping, Checkout and the order, against the emulator through the official SDK."""

from __future__ import annotations

import random

from fixtures.fulfil import fulfilled_order


async def test_the_rate_table_is_the_staffs_and_the_list_is_anyones(
    client, staff_headers, shopper, enable
) -> None:
    _, headers = await shopper()
    r = await client.put("/api/v1/currencies/eur", json={"rate": "0.9"}, headers=headers)
    assert r.status_code == 403
    made = await enable("EUR", "0.92", "99", position=1)
    assert (made["code"], made["rate"], made["rounding"]) == ("eur", "0.92", "99")
    await enable("jpy", "150", "whole", position=2)
    await enable("gbp", "0.8", is_enabled=False)
    listed = (await client.get("/api/v1/currencies")).json()
    assert listed["default"] == "usd" and listed["enabled"] == ["usd", "eur", "jpy"]
    assert [row["code"] for row in listed["table"]] == ["gbp", "eur", "jpy"]
    for code, body, message in [
        ("usd", {"rate": "1"}, "USD is the store's default currency: its rate is always 1."),
        ("xyz", {"rate": "1"}, "XYZ is not a currency the store can sell in."),
    ]:
        r = await client.put(f"/api/v1/currencies/{code}", json=body, headers=staff_headers)
        assert (r.status_code, r.json()["detail"]) == (422, message)
    r = await client.put("/api/v1/currencies/eur", json={"rate": "-1"}, headers=staff_headers)
    assert r.status_code == 422
    r = await client.delete("/api/v1/currencies/gbp", headers=staff_headers)
    assert r.status_code == 204
    r = await client.delete("/api/v1/currencies/gbp", headers=staff_headers)
    assert r.status_code == 404


async def test_unknown_or_disabled_currency_is_refused_with_a_message(
    client, shopper, make_product, enable
) -> None:
    await enable("eur", "0.92")
    await enable("gbp", "0.8", is_enabled=False)
    _, headers = await shopper()
    lamp = await make_product(name="Lamp", price=4000, stock=9)
    await client.put(f"/api/v1/basket/items/{lamp.id}", json={"quantity": 1}, headers=headers)
    for code in ("gbp", "xyz"):
        for method, url in (("GET", "/api/v1/basket"), ("POST", "/api/v1/checkout")):
            r = await client.request(method, f"{url}?currency={code}", headers=headers)
            assert r.status_code == 422, (method, code)
            assert r.json()["detail"] == (
                f"This store does not sell in {code.upper()}; choose one of: USD, EUR."
            )
    r = await client.get("/api/v1/basket?currency=e1", headers=headers)
    assert r.status_code == 422
    guest = await client.get("/api/v1/basket?currency=gbp")
    assert guest.status_code == 422


async def test_a_basket_charged_in_euros_with_a_hand_set_price(
    client, staff_headers, shopper, make_product, make_coupon, enable, emulator, session,
    settings, monkeypatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(settings, "shipping_rate_amount", 500)
    await enable("eur", "0.92", "99")
    _, headers = await shopper()
    lamp = await make_product(name="Lamp", price=4000, stock=9)  # 36.80 -> 36.99 EUR
    vase = await make_product(name="Vase", price=2500, stock=9)
    listed = (await client.get(f"/api/v1/products/{vase.id}/variants")).json()
    vase_variant = (listed["variants"] if isinstance(listed, dict) else listed)[0]["id"]
    r = await client.put(
        f"/api/v1/variants/{vase_variant}/prices/eur", json={"amount": 2000}, headers=staff_headers
    )
    assert r.status_code == 200, r.text
    await make_coupon(number="SAVE10", discount="10")
    await client.put(f"/api/v1/basket/items/{lamp.id}", json={"quantity": 2}, headers=headers)
    await client.put(f"/api/v1/basket/items/{vase.id}", json={"quantity": 1}, headers=headers)
    await client.put("/api/v1/basket/promo", json={"code": "SAVE10"}, headers=headers)

    basket = (await client.get("/api/v1/basket?currency=EUR", headers=headers)).json()
    assert basket["currency"] == "eur"
    prices = {line["product"]["name"]: line["product"]["price"] for line in basket["items"]}
    assert prices == {"Lamp": 3699, "Vase": 2000}
    assert basket["subtotal"] == 2 * 3699 + 2000
    assert basket["discount"] == 940  # 10 % of 93.98, half up
    assert basket["shipping"] == round(500 * 0.92)  # the settings' rate, converted
    assert basket["total"] == 9398 - 940 + 460

    r = await client.post("/api/v1/checkout?currency=eur", headers=headers)
    assert r.status_code == 200, r.text
    opened = r.json()
    assert (opened["currency"], opened["amount_total"]) == ("eur", basket["total"])
    remote = await emulator.session(opened["session_id"])
    assert (remote.currency, remote.amount_total) == ("eur", basket["total"])
    # the same basket in dollars is another session, in dollars
    dollars = (await client.post("/api/v1/checkout", headers=headers)).json()
    assert dollars["currency"] == "usd" and dollars["session_id"] != opened["session_id"]
    assert dollars["amount_total"] == 8000 + 2500 - 1050 + 500
    again = (await client.post("/api/v1/checkout?currency=eur", headers=headers)).json()
    await emulator.complete(again["session_id"])
    order = await fulfilled_order(session, again["session_id"])
    assert (order.currency, order.total) == ("eur", basket["total"]) and not order.needs_review
    mine = (await client.get(f"/api/v1/orders/{order.id}", headers=headers)).json()
    assert (mine["currency"], mine["total"]) == ("eur", basket["total"])


async def test_shipping_and_free_over_thresholds_convert(
    client, staff_headers, shopper, make_product, enable, emulator
) -> None:
    await enable("jpy", "150", "whole")
    r = await client.post(
        "/api/v1/shipping/zones",
        json={"name": "Everywhere", "countries": ["US", "DE"]},
        headers=staff_headers,
    )
    zone = r.json()["id"]
    for method in (
        {"name": "Courier", "kind": "flat", "amount": 1234},
        {"name": "Free over 100", "kind": "free_over", "free_over": 10000},
    ):
        r = await client.post(
            f"/api/v1/shipping/zones/{zone}/methods", json=method, headers=staff_headers
        )
        assert r.status_code == 201, r.text
    _, headers = await shopper()
    cheap = await make_product(name="Cup", price=5000, stock=9)  # ¥7,500
    await client.put(f"/api/v1/basket/items/{cheap.id}", json={"quantity": 1}, headers=headers)
    basket = (await client.get("/api/v1/basket?currency=jpy", headers=headers)).json()
    assert [(o["name"], o["amount"]) for o in basket["shipping_options"]] == [("Courier", 1851)]
    await client.put(f"/api/v1/basket/items/{cheap.id}", json={"quantity": 2}, headers=headers)
    basket = (await client.get("/api/v1/basket?currency=jpy", headers=headers)).json()
    assert basket["shipping_options"][0] == {**basket["shipping_options"][0], "amount": 0}
    assert basket["total"] == 15000
    opened = (await client.post("/api/v1/checkout?currency=jpy", headers=headers)).json()
    remote = await emulator.session(opened["session_id"])
    assert (remote.currency, remote.amount_total) == ("jpy", 15000)
    rates = [o.shipping_rate for o in remote.shipping_options]
    first = await emulator.stripe.v1.shipping_rates.retrieve_async(str(rates[0]))
    assert (first.fixed_amount.currency, first.fixed_amount.amount) == ("jpy", 0)


async def test_random_baskets_in_any_currency_cost_what_stripe_charges(
    client, shopper, make_product, make_coupon, enable, emulator, session
) -> None:
    """Seeded random baskets, coupons, currencies (JPY and KWD too) and roundings: the
    basket's total is Stripe's amount_total and the order's total."""
    rng = random.Random(1803)
    await make_coupon(number="SAVE17", discount="17.5")
    table = {"eur": ("0.92", "99"), "jpy": ("151.37", "whole"), "kwd": ("0.3071", "none")}
    for code, (rate, rounding) in table.items():
        await enable(code, rate, rounding)
    for round_ in range(6):
        currency = rng.choice(["usd", "eur", "jpy", "kwd"])
        _, headers = await shopper()
        for n in range(rng.randint(1, 4)):
            product = await make_product(
                name=f"Thing {round_}-{n}", price=rng.randint(99, 50_000), stock=50
            )
            await client.put(
                f"/api/v1/basket/items/{product.id}",
                json={"quantity": rng.randint(1, 5)},
                headers=headers,
            )
        if rng.random() < 0.6:
            await client.put("/api/v1/basket/promo", json={"code": "SAVE17"}, headers=headers)
        basket = (await client.get(f"/api/v1/basket?currency={currency}", headers=headers)).json()
        r = await client.post(f"/api/v1/checkout?currency={currency}", headers=headers)
        assert r.status_code == 200, r.text
        remote = await emulator.session(r.json()["session_id"])
        assert (remote.currency, remote.amount_total) == (currency, basket["total"])
        assert remote.total_details.amount_discount == basket["discount"]
        await emulator.complete(remote.id)
        order = await fulfilled_order(session, remote.id)
        assert (order.currency, order.total) == (currency, remote.amount_total)
        assert order.total == sum(i.line_total for i in order.items) - order.discount + (
            order.shipping
        )
        assert not order.needs_review
