"""Variants sold in another currency: each variant's synced Price carries its amount in every
enabled currency, and a basket charged in another currency sends `price_data` at exactly the
converted amount the shopper saw, never the variant's Price in the store's currency."""

from __future__ import annotations

from basket.test_variants_checkout import shirt_with_sizes
from payments.conftest import drain


async def test_a_synced_variant_bought_in_euros(
    client, shopper, staff_headers, make_product, emulator, enable
) -> None:
    await enable("eur", "0.5")
    product, variant = await shirt_with_sizes(
        client, staff_headers, make_product, {"M": 3, "XL": 2}
    )
    await drain()
    [m_price] = (
        await emulator.stripe.v1.prices.list_async(
            {"lookup_keys": ["TS-M"], "expand": ["data.currency_options"]}
        )
    ).data
    assert m_price.unit_amount == 1590
    assert m_price.currency_options is not None
    assert m_price.currency_options["eur"].unit_amount == 795

    _, headers = await shopper()
    r = await client.put(
        f"/api/v1/basket/items/{product.id}",
        json={"quantity": 2, "variant_id": variant["M"]},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    basket = (await client.get("/api/v1/basket?currency=eur", headers=headers)).json()
    opened = await client.post("/api/v1/checkout?currency=eur", headers=headers)
    assert opened.status_code == 200, opened.text
    session_id = opened.json()["session_id"]
    [line] = (await emulator.stripe.v1.checkout.sessions.line_items.list_async(session_id)).data
    assert line.price.id != m_price.id
    assert (line.currency, line.amount_total, line.quantity) == ("eur", 2 * 795, 2)
    assert basket["currency"].lower() == "eur"

    # In the store's own currency the synced Price is used as before.
    again = await client.post("/api/v1/checkout", headers=headers)
    [own] = (
        await emulator.stripe.v1.checkout.sessions.line_items.list_async(again.json()["session_id"])
    ).data
    assert own.price.id == m_price.id


async def _options_of(emulator, price_id: str) -> dict[str, int]:
    price = await emulator.stripe.v1.prices.retrieve_async(
        price_id, {"expand": ["currency_options"]}
    )
    options = price.currency_options.to_dict() if price.currency_options else {}
    return {code: option["unit_amount"] for code, option in options.items()}


async def test_a_hand_set_price_reaches_the_variants_stripe_price(
    client, staff_headers, make_product, emulator, enable
) -> None:
    """A price set by hand in a currency wins over the converted one on Stripe too: the
    product is synced again and its variant's Price (the same Price: its amount in the
    store's currency is unchanged) gets the hand-set amount; removing it restores the
    converted one."""
    await enable("eur", "0.5")
    await enable("jpy", "150", "whole")
    _product, variant = await shirt_with_sizes(
        client, staff_headers, make_product, {"M": 3, "XL": 2}
    )
    await drain()
    [m_price] = (await emulator.stripe.v1.prices.list_async({"lookup_keys": ["TS-M"]})).data
    assert await _options_of(emulator, m_price.id) == {"eur": 795, "jpy": 2385}

    r = await client.put(
        f"/api/v1/variants/{variant['M']}/prices/eur", json={"amount": 750}, headers=staff_headers
    )
    assert r.status_code == 200, r.text
    await drain()
    [now] = (await emulator.stripe.v1.prices.list_async({"lookup_keys": ["TS-M"]})).data
    assert now.id == m_price.id
    assert await _options_of(emulator, m_price.id) == {"eur": 750, "jpy": 2385}
    [xl] = (await emulator.stripe.v1.prices.list_async({"lookup_keys": ["TS-XL"]})).data
    assert (await _options_of(emulator, xl.id))["eur"] == 845  # its own, converted

    gone = await client.delete(f"/api/v1/variants/{variant['M']}/prices/eur", headers=staff_headers)
    assert gone.status_code == 204
    await drain()
    assert await _options_of(emulator, m_price.id) == {"eur": 795, "jpy": 2385}


async def test_a_product_of_one_variant_carries_its_hand_set_price(
    client, staff_headers, make_product, emulator, enable
) -> None:
    await enable("eur", "0.5")
    product = await make_product(name="Mug", price=1000, stock=4)
    await drain()
    shown = await client.get(f"/api/v1/products/{product.id}/variants", headers=staff_headers)
    [only] = shown.json()["variants"]
    r = await client.put(
        f"/api/v1/variants/{only['id']}/prices/eur", json={"amount": 990}, headers=staff_headers
    )
    assert r.status_code == 200, r.text
    await drain()
    stripe_product = await emulator.stripe.v1.products.retrieve_async(f"vitrina_prod_{product.id}")
    assert isinstance(stripe_product.default_price, str)
    assert await _options_of(emulator, stripe_product.default_price) == {"eur": 990}
