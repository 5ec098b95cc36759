"""Amount-off coupons in the shopper's currency, through the API against the emulator: the
basket's discount is the coupon's amount there (hand-set or converted), capped at the
subtotal; Stripe's discount and total and the order's total are the same numbers."""

from __future__ import annotations

import random

from fixtures.fulfil import fulfilled_order

FAR = 8043214523


async def _coupon(client, staff_headers, **fields) -> dict:
    body = {"number": "TENOFF", "end_at": FAR, **fields}
    r = await client.post("/api/v1/coupons", json=body, headers=staff_headers)
    assert r.status_code == 201, r.text
    return r.json()


async def test_the_coupon_in_each_currency_is_what_stripe_takes_off(
    client, staff_headers, shopper, make_product, enable, emulator, session, settings,
    monkeypatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(settings, "shipping_rate_amount", 500)
    await enable("eur", "0.92", "99")
    await enable("jpy", "150", "whole")
    await enable("gbp", "0.79")
    await enable("kwd", "0.3071")
    await _coupon(client, staff_headers, amount_off=1000, amounts={"eur": 850})
    lamp = await make_product(name="Lamp", price=4000, stock=50)
    # currency -> (the coupon there, the lamp there)
    expected = {
        "usd": (1000, 4000),
        "eur": (850, 3699),  # hand-set; the lamp at .99
        "jpy": (1500, 6000),  # $10 at 150, whole yen
        "gbp": (790, 3160),
        "kwd": (3070, 12280),  # 3.071 KWD in tens of fils
    }
    for currency, (off, price) in expected.items():
        _, headers = await shopper()
        await client.put(f"/api/v1/basket/items/{lamp.id}", json={"quantity": 2}, headers=headers)
        r = await client.put("/api/v1/basket/promo", json={"code": "tenoff"}, headers=headers)
        assert r.status_code == 200, r.text
        basket = (await client.get(f"/api/v1/basket?currency={currency}", headers=headers)).json()
        assert basket["coupon"] == {
            "number": "TENOFF", "percent": None, "amount_off": off, "currency": currency,
        }, currency  # fmt: skip
        assert (basket["subtotal"], basket["discount"]) == (2 * price, off), currency
        r = await client.post(f"/api/v1/checkout?currency={currency}", headers=headers)
        assert r.status_code == 200, r.text
        remote = await emulator.session(r.json()["session_id"])
        assert remote.currency == currency
        assert remote.total_details.amount_discount == off
        assert remote.amount_total == basket["total"] == 2 * price - off + basket["shipping"]
        await emulator.complete(remote.id)
        order = await fulfilled_order(session, remote.id)
        assert (order.currency, order.total, order.discount) == (currency, remote.amount_total, off)
        assert not order.needs_review


async def test_the_discount_never_exceeds_the_subtotal(
    client, staff_headers, shopper, make_product, enable, emulator, session, settings,
    monkeypatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(settings, "shipping_rate_amount", 500)
    await enable("jpy", "150", "whole")
    await _coupon(client, staff_headers, amount_off=5000)
    cup = await make_product(name="Cup", price=1200, stock=9)
    for currency, subtotal in (("usd", 1200), ("jpy", 1800)):
        _, headers = await shopper()
        await client.put(f"/api/v1/basket/items/{cup.id}", json={"quantity": 1}, headers=headers)
        await client.put("/api/v1/basket/promo", json={"code": "TENOFF"}, headers=headers)
        basket = (await client.get(f"/api/v1/basket?currency={currency}", headers=headers)).json()
        assert basket["coupon"]["amount_off"] == (5000 if currency == "usd" else 7500)
        assert (basket["subtotal"], basket["discount"]) == (subtotal, subtotal)
        assert basket["total"] == basket["shipping"] > 0
        r = await client.post(f"/api/v1/checkout?currency={currency}", headers=headers)
        assert r.status_code == 200, r.text
        remote = await emulator.session(r.json()["session_id"])
        assert remote.total_details.amount_discount == subtotal
        assert remote.amount_total == basket["total"]
        await emulator.complete(remote.id)
        order = await fulfilled_order(session, remote.id)
        assert (order.total, order.discount) == (basket["total"], subtotal)


async def test_random_baskets_with_amount_coupons_cost_what_stripe_charges(
    client, staff_headers, shopper, make_product, enable, emulator, session
) -> None:
    """Seeded random baskets, amount coupons (hand-set or converted) and currencies (JPY
    and KWD too): the basket's total is Stripe's amount_total and the order's total."""
    rng = random.Random(2026)
    table = {
        "eur": ("0.92", "99"),
        "gbp": ("0.7893", "none"),
        "jpy": ("151.37", "whole"),
        "kwd": ("0.3071", "none"),
    }
    for code, (rate, rounding) in table.items():
        await enable(code, rate, rounding)
    for round_ in range(8):
        currency = rng.choice(["usd", "eur", "gbp", "jpy", "kwd"])
        amounts = {}
        if currency != "usd" and rng.random() < 0.5:
            amounts[currency] = rng.randint(1, 3000) * (10 if currency == "kwd" else 1)
        code = f"AMT{round_}"
        await _coupon(
            client, staff_headers, number=code, amount_off=rng.randint(1, 30_000), amounts=amounts
        )
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
        await client.put("/api/v1/basket/promo", json={"code": code}, headers=headers)
        basket = (await client.get(f"/api/v1/basket?currency={currency}", headers=headers)).json()
        assert 0 <= basket["discount"] <= basket["subtotal"]
        if currency in amounts:
            assert basket["coupon"]["amount_off"] == amounts[currency]
        r = await client.post(f"/api/v1/checkout?currency={currency}", headers=headers)
        assert r.status_code == 200, r.text
        remote = await emulator.session(r.json()["session_id"])
        assert (remote.currency, remote.amount_total) == (currency, basket["total"])
        assert remote.total_details.amount_discount == basket["discount"]
        await emulator.complete(remote.id)
        order = await fulfilled_order(session, remote.id)
        assert (order.currency, order.total) == (currency, remote.amount_total)
        assert not order.needs_review
