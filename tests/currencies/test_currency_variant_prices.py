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
