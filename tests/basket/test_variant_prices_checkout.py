"""Checkout sells a variant at its synced Stripe Price when that Price is current, and as
`price_data` when the worker has not caught up yet; the order keeps what was sold either way."""

from __future__ import annotations

from sqlalchemy import update

from basket.test_variants_checkout import shirt_with_sizes
from payments.conftest import drain
from vitrina.db import db_helper
from vitrina.orders.models import OrderItem
from vitrina.payments.fulfilment import fulfil_checkout_session
from vitrina.payments.reconcile import Kind, reconcile


async def _checkout(client, headers, product_id: int, variant_id: int, quantity: int) -> str:
    r = await client.put(
        f"/api/v1/basket/items/{product_id}",
        json={"quantity": quantity, "variant_id": variant_id},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    out = await client.post("/api/v1/checkout", headers=headers)
    assert out.status_code == 200, out.text
    return str(out.json()["session_id"])


async def test_checkout_uses_the_variant_price_when_synced(
    client, shopper, staff_headers, make_product, emulator
) -> None:
    product, variant = await shirt_with_sizes(
        client, staff_headers, make_product, {"M": 3, "XL": 2}
    )
    await drain()
    [m_price] = (await emulator.stripe.v1.prices.list_async({"lookup_keys": ["TS-M"]})).data

    _, headers = await shopper()
    session_id = await _checkout(client, headers, product.id, variant["M"], 2)
    lines = (await emulator.stripe.v1.checkout.sessions.line_items.list_async(session_id)).data
    assert [(li.price.id, li.quantity, li.amount_total) for li in lines] == [
        (m_price.id, 2, 2 * 1590)
    ]

    # XL's price changes: until the worker runs, XL sells as price_data at the new price.
    r = await client.patch(
        f"/api/v1/products/{product.id}/variants/{variant['XL']}",
        json={"price": 1990},
        headers=staff_headers,
    )
    assert r.status_code == 200, r.text
    _, other = await shopper()
    pending = await _checkout(client, other, product.id, variant["XL"], 1)
    [line] = (await emulator.stripe.v1.checkout.sessions.line_items.list_async(pending)).data
    assert line.amount_total == 1990
    assert line.price.lookup_key is None and line.description == "T-shirt (Size: XL)"

    await emulator.complete(session_id)
    async with db_helper.session_factory() as own:
        order = await fulfil_checkout_session(own, session_id)
        await own.commit()
    assert order is not None
    detail = await client.get(f"/api/v1/staff/orders/{order.id}", headers=staff_headers)
    assert [
        (i["variant_id"], i["sku"], i["options"], i["unit_price"], i["quantity"])
        for i in detail.json()["items"]
    ] == [(variant["M"], "TS-M", "Size: M", 1590, 2)]

    # Reconcile compares the lines too: clean now; a line recorded under another variant
    # than the Price Stripe charged is listed.
    async with db_helper.session_factory() as own:
        assert await reconcile(own) == []
        await own.execute(
            update(OrderItem).where(OrderItem.order_id == order.id).values(variant_id=variant["XL"])
        )
        await own.commit()
    async with db_helper.session_factory() as own:
        found = await reconcile(own)
    assert [(d.kind, d.order_id, d.stripe) for d in found] == [
        (Kind.LINE_MISMATCH, order.id, f"variant {variant['M']} 2 x 1590")
    ]
