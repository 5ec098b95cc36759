"""Stripe Checkout speaks the shopper's language: its page (`locale`) and the products' names."""

from __future__ import annotations

import httpx
import pytest

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


@pytest.mark.parametrize(
    ("accept_language", "locale", "name"),
    [("ru-RU,ru;q=0.9", "ru", "Студийные наушники"), ("en-GB", "en", "Studio Headphones")],
)
async def test_checkout_speaks_the_shoppers_language(
    client: httpx.AsyncClient,
    customer_headers: dict[str, str],
    make_product,
    settings: Settings,
    accept_language: str,
    locale: str,
    name: str,
) -> None:
    product = await make_product(name="Studio Headphones", name_ru="Студийные наушники")
    stripe = make_stripe_client(settings)
    session_id = await _checkout(client, customer_headers, product.id, accept_language)
    opened = await stripe.v1.checkout.sessions.retrieve_async(session_id)
    items = await stripe.v1.checkout.sessions.line_items.list_async(session_id)
    assert opened.locale == locale
    assert [item.description for item in items.data] == [name]
