"""Stripe Checkout speaks the shopper's language: its page (`locale`) and the products' names."""

from __future__ import annotations

import httpx

from vitrina.config import Settings
from vitrina.payments.client import make_stripe_client


async def _checkout(
    client: httpx.AsyncClient, headers: dict[str, str], product_id: int, language: str
) -> str:
    put = await client.put(
        f"/api/v1/basket/items/{product_id}", json={"quantity": 1}, headers=headers
    )
    assert put.status_code == 200, put.text
    opened = await client.post("/api/v1/checkout", headers={**headers, "Accept-Language": language})
    assert opened.status_code == 200, opened.text
    return str(opened.json()["session_id"])


async def test_a_russian_shopper_gets_a_russian_checkout_and_russian_names(
    client: httpx.AsyncClient,
    customer_headers: dict[str, str],
    make_product,
    settings: Settings,
) -> None:
    product = await make_product(name="Studio Headphones", name_ru="Студийные наушники")
    stripe = make_stripe_client(settings)
    session_id = await _checkout(client, customer_headers, product.id, "ru-RU,ru;q=0.9")
    opened = await stripe.v1.checkout.sessions.retrieve_async(session_id)
    items = await stripe.v1.checkout.sessions.line_items.list_async(session_id)
    assert opened.locale == "ru"
    assert [item.description for item in items.data] == ["Студийные наушники"]


async def test_an_english_shopper_gets_the_main_names(
    client: httpx.AsyncClient,
    customer_headers: dict[str, str],
    make_product,
    settings: Settings,
) -> None:
    product = await make_product(name="Desk Lamp", name_ru="Настольная лампа")
    stripe = make_stripe_client(settings)
    session_id = await _checkout(client, customer_headers, product.id, "en-GB")
    opened = await stripe.v1.checkout.sessions.retrieve_async(session_id)
    items = await stripe.v1.checkout.sessions.line_items.list_async(session_id)
    assert opened.locale == "en"
    assert [item.description for item in items.data] == ["Desk Lamp"]
