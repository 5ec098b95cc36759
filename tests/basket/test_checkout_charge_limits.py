"""A basket above Stripe's maximum charge (99,999,999 minor units, which the emulator
enforces as Stripe does) is refused by the store before Stripe is asked, with a message the
shopper can act on; a basket at exactly the maximum still pays."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from storefront.helpers import csrf_from, web_login
from vitrina.basket.models import Basket, StockReservation
from vitrina.basket.pricing import MAXIMUM_CHARGE

TOO_MUCH = (
    "An order can come to at most 999999.99 USD; this basket comes to 1000000.00 USD. "
    "Split it into smaller orders."
)


async def test_checkout_refuses_a_total_above_stripes_maximum(
    client, shopper, make_product, emulator, session
) -> None:
    user, headers = await shopper()
    piano = await make_product(name="Grand piano", price=50_000_00, stock=30)
    put = await client.put(
        f"/api/v1/basket/items/{piano.id}", json={"quantity": 20}, headers=headers
    )
    assert put.status_code == 200, put.text
    assert put.json()["total"] == 1_000_000_00 > MAXIMUM_CHARGE
    assert TOO_MUCH in [w["message"] for w in put.json()["warnings"]]

    refused = await client.post("/api/v1/checkout", headers=headers)
    assert refused.status_code == 422, refused.text
    assert refused.json() == {"detail": TOO_MUCH}
    assert await emulator.calls("/v1/checkout/sessions") == [], "Stripe was not asked"
    assert await session.scalar(select(func.count()).select_from(StockReservation)) == 0
    basket = await session.scalar(select(Basket).where(Basket.user_id == user.id))
    assert basket is not None and basket.session_id is None

    # One piano fewer and the order is within the limit; at exactly the maximum it pays.
    await client.put(f"/api/v1/basket/items/{piano.id}", json={"quantity": 19}, headers=headers)
    assert (await client.post("/api/v1/checkout", headers=headers)).status_code == 200
    exact = await make_product(name="Exactly the most", price=MAXIMUM_CHARGE, stock=1)
    await client.delete(f"/api/v1/basket/items/{piano.id}", headers=headers)
    await client.put(f"/api/v1/basket/items/{exact.id}", json={"quantity": 1}, headers=headers)
    opened = await client.post("/api/v1/checkout", headers=headers)
    assert opened.status_code == 200, opened.text
    assert opened.json()["amount_total"] == MAXIMUM_CHARGE


async def test_the_shopper_is_told_on_the_basket_page_in_their_language(
    client: httpx.AsyncClient, make_user, make_product, emulator
) -> None:
    buyer = await make_user(email="pianist@example.com")
    piano = await make_product(name="Grand piano", price=50_000_00, stock=30)
    await web_login(client, buyer.email)
    client.cookies.set("lang", "ru")
    token = csrf_from((await client.get("/")).text)
    added = await client.post(
        "/basket/items",
        data={"product_id": piano.id, "quantity": 20, "next": "/basket", "csrf_token": token},
    )
    assert added.status_code == 303, added.text[:500]
    basket = await client.get("/basket")
    warning = "Сумма одного заказа — не больше"
    assert warning in basket.text

    checkout = await client.post("/checkout", data={"csrf_token": csrf_from(basket.text)})
    assert checkout.status_code == 303 and checkout.headers["location"].endswith("/basket")
    back = await client.get("/basket")
    assert back.text.count(warning) == 2, "the warning, and the refusal of the checkout"
    assert await emulator.calls("/v1/checkout/sessions") == []
