"""The basket API: contents, totals, coupon, errors a storefront can show as is."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import httpx
from sqlalchemy import func, select
from typer.testing import CliRunner

from vitrina.basket.cli import commands
from vitrina.basket.codes import int_to_base36, new_unique_code
from vitrina.basket.guest import GUEST_COOKIE
from vitrina.basket.models import Basket
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


async def test_a_guest_fills_a_basket_with_the_cookie(client, make_product, session) -> None:
    cup = await make_product(name="Cup", price=1250, stock=5)
    empty = await client.get("/api/v1/basket")
    assert empty.status_code == 200
    assert empty.json()["items"] == [] and empty.json()["id"] is None
    assert "set-cookie" not in empty.headers  # looking makes no basket and no cookie
    assert await session.scalar(select(func.count()).select_from(Basket)) == 0

    added = await client.put(f"/api/v1/basket/items/{cup.id}", json={"quantity": 2})
    assert added.status_code == 200, added.text
    cookie = added.headers["set-cookie"]
    assert cookie.startswith(f"{GUEST_COOKIE}=")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert f"max-age={30 * 24 * 3600}" in cookie.lower()
    body = (await client.get("/api/v1/basket")).json()
    assert [(i["product"]["name"], i["quantity"]) for i in body["items"]] == [("Cup", 2)]
    assert body["total"] == 2500 + body["shipping"]

    token = client.cookies[GUEST_COOKIE]
    stored = await session.scalar(select(Basket.guest_key))
    assert stored is not None and stored not in token and token.split(".")[0] not in stored
    assert (await client.post("/api/v1/checkout")).status_code == 401  # paying needs an account


async def test_one_guest_cannot_reach_another_guests_basket(app, client, make_product) -> None:
    cup = await make_product(name="Cup", stock=5)
    await client.put(f"/api/v1/basket/items/{cup.id}", json={"quantity": 1})
    mine = client.cookies[GUEST_COOKIE]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as other:
        assert (await other.get("/api/v1/basket")).json()["items"] == []
        token, _, signature = mine.rpartition(".")
        forged = [
            f"{token[:-1]}{'A' if token[-1] != 'A' else 'B'}.{signature}",  # another token
            token,  # unsigned
            f"{token}.{signature[::-1]}",  # a made-up signature
        ]
        for value in forged:
            other.cookies.set(GUEST_COOKIE, value)
            assert (await other.get("/api/v1/basket")).json()["items"] == [], value
        other.cookies.set(GUEST_COOKIE, mine)  # only the cookie itself opens the basket
        assert len((await other.get("/api/v1/basket")).json()["items"]) == 1


async def test_login_merges_the_guest_basket_capped_by_stock(
    client, shopper, make_product, make_coupon, session
) -> None:
    user, headers = await shopper()
    lamp = await make_product(name="Lamp", price=3000, stock=3)
    mug = await make_product(name="Mug", price=1000, stock=10)
    old = await make_product(name="Old vase", price=500, stock=4)
    await make_coupon(number="GUEST5", discount="5")
    await client.put(f"/api/v1/basket/items/{lamp.id}", json={"quantity": 1}, headers=headers)
    guest = httpx.Cookies()
    for product, quantity in ((lamp, 3), (mug, 2), (old, 1)):
        r = await client.put(f"/api/v1/basket/items/{product.id}", json={"quantity": quantity})
        assert r.status_code == 200, r.text
    assert (await client.put("/api/v1/basket/promo", json={"code": "guest5"})).status_code == 200
    guest.update(client.cookies)
    old.is_active = False
    await session.commit()

    merged = await client.get("/api/v1/basket", headers=headers)
    body = merged.json()
    assert merged.status_code == 200, body
    assert {(i["product"]["name"], i["quantity"]) for i in body["items"]} == {
        ("Lamp", 3),
        ("Mug", 2),
    }
    assert body["coupon"]["number"] == "GUEST5"
    assert body["notices"] == [
        "Only 3 of “Lamp” left in stock; your basket now has 3.",
        "“Old vase” is no longer for sale.",
    ]
    assert f'{GUEST_COOKIE}=""' in merged.headers["set-cookie"]
    assert "max-age=0" in merged.headers["set-cookie"].lower()
    baskets = (await session.execute(select(Basket.user_id, Basket.guest_key))).all()
    assert baskets == [(user.id, None)]  # the guest's basket is gone

    assert GUEST_COOKIE not in client.cookies
    client.cookies.update(guest)  # a stale copy of the cookie merges nothing twice
    again = (await client.get("/api/v1/basket", headers=headers)).json()
    assert again["notices"] == [] and len(again["items"]) == 2  # merged once only


async def test_purge_deletes_guest_baskets_left_alone_for_a_month(
    client, shopper, make_product, session
) -> None:
    product = await make_product(stock=5)
    _, headers = await shopper()
    await client.put(f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=headers)
    await client.put(f"/api/v1/basket/items/{product.id}", json={"quantity": 1})
    client.cookies.clear()
    await client.put(f"/api/v1/basket/items/{product.id}", json={"quantity": 1})
    first_guest = await session.scalar(select(Basket).where(Basket.guest_key.is_not(None)))
    assert first_guest is not None
    first_guest.updated_at = utcnow() - timedelta(days=31)
    await session.commit()

    result = await asyncio.to_thread(CliRunner().invoke, commands, [])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 guest basket(s) untouched for 30 day(s)." in result.output
    session.expunge_all()
    left = (await session.execute(select(Basket.user_id.is_(None)))).scalars().all()
    assert sorted(left) == [False, True]  # the customer's and the recent guest's remain


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


async def test_openapi_documents_the_guest_cookie(client) -> None:
    schema = (await client.get("/openapi.json")).json()
    scheme = schema["components"]["securitySchemes"]["GuestBasket"]
    assert scheme["type"] == "apiKey" and scheme["in"] == "cookie"
    assert scheme["name"] == GUEST_COOKIE
    for path, method in (
        ("/api/v1/basket", "get"),
        ("/api/v1/basket/items/{product_id}", "put"),
        ("/api/v1/basket/items/{product_id}", "delete"),
        ("/api/v1/basket/promo", "put"),
    ):
        security = schema["paths"][path][method]["security"]
        assert {"GuestBasket": []} in security and {"OAuth2PasswordBearer": []} in security
    assert "GuestBasket" not in str(schema["paths"]["/api/v1/checkout"]["post"]["security"])
