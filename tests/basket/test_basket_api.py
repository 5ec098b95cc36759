"""The basket API: contents, totals, coupon, errors a storefront can show as is."""

from __future__ import annotations

import re
from datetime import timedelta

from vitrina.basket.codes import int_to_base36, new_unique_code
from vitrina.kit.clock import utcnow
from vitrina.kit.money import percent_of


def test_unique_code_is_base36_from_41_random_bits() -> None:
    codes = {new_unique_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(re.fullmatch(r"[0-9a-z]{1,8}", c) for c in codes)
    assert int_to_base36(0) == "0"
    assert int_to_base36(35) == "z"
    assert int_to_base36(36) == "10"
    assert all(int(int_to_base36(n), 36) == n for n in (37, 1295, 1296, 2**41 - 1))
    assert max(int(c, 36) for c in codes) < 2**41


async def test_basket_is_created_on_first_use_with_a_code(client, shopper) -> None:
    _, headers = await shopper()
    first = await client.get("/api/v1/basket", headers=headers)
    assert first.status_code == 200
    body = first.json()
    assert body["items"] == [] and body["total"] == 0 and body["checkout"] is None
    assert re.fullmatch(r"[0-9a-z]{1,8}", body["unique_code"])
    again = await client.get("/api/v1/basket", headers=headers)
    assert again.json()["id"] == body["id"]
    assert again.json()["unique_code"] == body["unique_code"]


async def test_basket_needs_a_login(client) -> None:
    assert (await client.get("/api/v1/basket")).status_code == 401


async def test_put_delete_items_and_totals(client, shopper, make_product, settings) -> None:
    _, headers = await shopper()
    cup = await make_product(name="Cup", price=1250, stock=5)
    pot = await make_product(name="Pot", price=4999, stock=2)
    r = await client.put(f"/api/v1/basket/items/{cup.id}", json={"quantity": 3}, headers=headers)
    assert r.status_code == 200, r.text
    r = await client.put(f"/api/v1/basket/items/{pot.id}", json={"quantity": 1}, headers=headers)
    body = r.json()
    assert [(i["product"]["name"], i["quantity"], i["line_total"]) for i in body["items"]] == [
        ("Cup", 3, 3750),
        ("Pot", 1, 4999),
    ]
    snapshot = body["items"][0]["product"]
    assert snapshot["slug"] and snapshot["price"] == 1250 and snapshot["available_stock"] == 5
    assert body["subtotal"] == 8749
    assert body["shipping"] == settings.shipping_rate_amount
    assert body["total"] == 8749 + settings.shipping_rate_amount
    assert body["currency"] == settings.store_currency

    r = await client.put(f"/api/v1/basket/items/{cup.id}", json={"quantity": 0}, headers=headers)
    assert [i["product"]["id"] for i in r.json()["items"]] == [pot.id]
    r = await client.delete(f"/api/v1/basket/items/{pot.id}", headers=headers)
    assert r.json()["items"] == [] and r.json()["total"] == 0
    r = await client.delete(f"/api/v1/basket/items/{pot.id}", headers=headers)
    assert r.status_code == 404 and "not in your basket" in r.json()["detail"]


async def test_bad_quantities_and_products_are_clear_4xx(client, shopper, make_product) -> None:
    _, headers = await shopper()
    scarce = await make_product(name="Scarce", stock=2)
    retired = await make_product(name="Retired", is_active=False)
    r = await client.put(f"/api/v1/basket/items/{scarce.id}", json={"quantity": 3}, headers=headers)
    assert r.status_code == 409 and r.json()["detail"] == "Only 2 of “Scarce” left in stock."
    r = await client.put(
        f"/api/v1/basket/items/{retired.id}", json={"quantity": 1}, headers=headers
    )
    assert r.status_code == 409 and "no longer for sale" in r.json()["detail"]
    r = await client.put("/api/v1/basket/items/999999", json={"quantity": 1}, headers=headers)
    assert r.status_code == 404 and "does not exist" in r.json()["detail"]
    r = await client.put(
        f"/api/v1/basket/items/{scarce.id}", json={"quantity": -1}, headers=headers
    )
    assert r.status_code == 422
    r = await client.put(f"/api/v1/basket/items/{scarce.id}", json={}, headers=headers)
    assert r.status_code == 422


async def test_promo_applies_case_insensitively(client, shopper, make_product, make_coupon) -> None:
    _, headers = await shopper()
    product = await make_product(price=1999, stock=5)
    await make_coupon(number="Autumn22", discount="22.5")
    await client.put(f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=headers)
    r = await client.put("/api/v1/basket/promo", json={"code": " autumn22 "}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["coupon"]["number"] == "Autumn22"
    assert float(body["coupon"]["percent"]) == 22.5
    assert body["discount"] == percent_of(1999, "22.5") == 450
    assert body["total"] == 1999 - 450 + body["shipping"]
    r = await client.delete("/api/v1/basket/promo", headers=headers)
    assert r.json()["coupon"] is None and r.json()["discount"] == 0


async def test_promo_errors(client, shopper, make_coupon) -> None:
    _, headers = await shopper()
    await make_coupon(number="OLD", end_at=utcnow() - timedelta(seconds=1))
    await make_coupon(number="GONE", max_redemptions=1, times_redeemed=1)
    await make_coupon(number="OFF", is_active=False)
    r = await client.put("/api/v1/basket/promo", json={"code": "NOPE"}, headers=headers)
    assert r.status_code == 422 and "does not exist" in r.json()["detail"]
    for code in ("OLD", "GONE", "OFF"):
        r = await client.put("/api/v1/basket/promo", json={"code": code}, headers=headers)
        assert r.status_code in (409, 422), (code, r.text)
        assert r.json()["detail"].startswith("This coupon")
    assert (await client.get("/api/v1/basket", headers=headers)).json()["coupon"] is None


async def test_stock_warnings_when_stock_drops(client, shopper, make_product, session) -> None:
    _, headers = await shopper()
    product = await make_product(name="Lamp", stock=3)
    await client.put(f"/api/v1/basket/items/{product.id}", json={"quantity": 3}, headers=headers)
    product.stock = 1
    await session.commit()
    body = (await client.get("/api/v1/basket", headers=headers)).json()
    assert body["warnings"] == [
        {"product_id": product.id, "message": "Only 1 of “Lamp” left in stock; you have 3."}
    ]
