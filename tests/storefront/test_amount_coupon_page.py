"""The basket page shows an amount-off coupon's discount in the shopper's currency."""

from __future__ import annotations

import re

import httpx

from fixtures.catalog import MakeProduct
from storefront.helpers import csrf_from, web_login
from storefront.test_basket_header import add
from vitrina.accounts.models import User

FAR = 8043214523


async def test_the_coupon_is_shown_in_the_shoppers_currency(
    client: httpx.AsyncClient,
    make_product: MakeProduct,
    customer: User,
    staff_headers: dict[str, str],
) -> None:
    r = await client.put("/api/v1/currencies/eur", json={"rate": "0.92"}, headers=staff_headers)
    assert r.status_code == 200, r.text
    body = {"number": "FIVE", "amount_off": 500, "end_at": FAR}
    r = await client.post("/api/v1/coupons", json=body, headers=staff_headers)
    assert r.status_code == 201, r.text
    lamp = await make_product(name="Lamp", price=4000, stock=5)
    await web_login(client, customer.email)
    await add(client, lamp.id, 1)
    token = csrf_from((await client.get("/basket")).text)
    await client.post("/basket/promo", data={"code": "five", "csrf_token": token})

    dollars = (await client.get("/basket")).text
    assert re.search(r"<strong>FIVE</strong> \(\$5\.00 off\)", dollars), dollars
    client.cookies.set("vitrina_currency", "eur")
    euros = (await client.get("/basket")).text
    assert re.search(r"<strong>FIVE</strong> \(€4\.60 off\)", euros), euros
    client.cookies.set("lang", "ru")
    russian = (await client.get("/basket")).text
    assert re.search(r"<strong>FIVE</strong> \(скидка 4,60\s€\)", russian), russian
