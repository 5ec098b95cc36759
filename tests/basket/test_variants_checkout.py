"""Variants through the basket and checkout: a line per variant, stock held and sold per
variant, a sibling variant never touched."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import func, select

from vitrina.basket.models import StockReservation
from vitrina.catalog.models import Product, ProductVariant
from vitrina.db import db_helper
from vitrina.orders.models import OrderItem
from vitrina.payments.fulfilment import fulfil_checkout_session


async def _pay(emulator, session_id: str) -> None:
    await emulator.control("POST", f"checkout/sessions/{session_id}/complete", {"outcome": "paid"})


async def shirt_with_sizes(client, staff_headers, make_product, stocks: dict[str, int]):
    """A T-shirt with a Size option and one variant per size; returns (product, {size: id})."""
    product = await make_product(name="T-shirt", price=1490, stock=0)
    r = await client.post(
        f"/api/v1/products/{product.id}/options",
        json={"name": "Size", "name_ru": "Размер", "values": [{"value": s} for s in stocks]},
        headers=staff_headers,
    )
    assert r.status_code == 201, r.text
    value_ids = {v["value"]: v["id"] for v in r.json()["options"][0]["values"]}
    for size, stock in stocks.items():
        r = await client.post(
            f"/api/v1/products/{product.id}/variants",
            json={
                "values": [value_ids[size]],
                "sku": f"TS-{size}",
                "price": 1490 + 100 * len(size),
                "stock": stock,
            },
            headers=staff_headers,
        )
        assert r.status_code == 201, r.text
    variants = {v["options"].split(": ")[1]: v["id"] for v in r.json()["variants"]}
    return product, variants


async def test_fifty_buyers_of_a_variant_with_five_in_stock(
    client, shopper, staff_headers, make_product, emulator, session
) -> None:
    product, variant = await shirt_with_sizes(client, staff_headers, make_product, {"M": 5, "L": 7})
    everyone = []
    for _ in range(50):
        _, headers = await shopper()
        r = await client.put(
            f"/api/v1/basket/items/{product.id}",
            json={"quantity": 1, "variant_id": variant["M"]},
            headers=headers,
        )
        assert r.status_code == 200, r.text
        everyone.append(headers)

    responses = await asyncio.gather(
        *(client.post("/api/v1/checkout", headers=headers) for headers in everyone)
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 5, 409: 45}
    assert {r.json()["detail"] for r in responses if r.status_code == 409} == {
        "“T-shirt (Size: M)” is out of stock."
    }
    held = await session.scalar(
        select(func.sum(StockReservation.quantity)).where(
            StockReservation.variant_id == variant["M"]
        )
    )
    assert held == 5
    sibling = await session.scalar(
        select(func.count()).where(StockReservation.variant_id == variant["L"])
    )
    assert sibling == 0

    # Each paid session takes its unit from M's stock only; L keeps its seven.
    for r in responses:
        if r.status_code == 200:
            await _pay(emulator, r.json()["session_id"])
            async with db_helper.session_factory() as own:
                assert await fulfil_checkout_session(own, r.json()["session_id"]) is not None
                await own.commit()
    product_id = product.id
    session.expire_all()
    stock = dict(
        (
            await session.execute(
                select(ProductVariant.id, ProductVariant.stock).where(
                    ProductVariant.product_id == product_id
                )
            )
        ).all()
    )
    assert (stock[variant["M"]], stock[variant["L"]]) == (0, 7)
    summary = await session.scalar(select(Product.stock).where(Product.id == product_id))
    assert summary == 7


async def test_basket_lines_per_variant_and_order_keeps_what_was_sold(
    client, shopper, staff_headers, make_product, emulator, session
) -> None:
    product, variant = await shirt_with_sizes(
        client, staff_headers, make_product, {"M": 3, "XL": 2}
    )
    _, headers = await shopper()
    # Without a variant, a product of several is refused with what to send.
    r = await client.put(
        f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=headers
    )
    assert r.status_code == 422 and "variant_id" in r.text
    for size, quantity in (("M", 2), ("XL", 1)):
        r = await client.put(
            f"/api/v1/basket/items/{product.id}",
            json={"quantity": quantity, "variant_id": variant[size]},
            headers=headers,
        )
        assert r.status_code == 200, r.text
    lines = r.json()["items"]
    assert [(line["product"]["options"], line["product"]["sku"]) for line in lines] == [
        ("Size: M", "TS-M"),
        ("Size: XL", "TS-XL"),
    ]
    assert [line["line_total"] for line in lines] == [2 * 1590, 1690]
    r = await client.put(
        f"/api/v1/basket/items/{product.id}",
        json={"quantity": 3, "variant_id": variant["XL"]},
        headers=headers,
    )
    assert r.status_code == 409 and "Only 2 of “T-shirt (Size: XL)”" in r.json()["detail"]

    out = await client.post("/api/v1/checkout", headers=headers)
    assert out.status_code == 200, out.text
    line_items = await emulator.stripe.v1.checkout.sessions.line_items.list_async(
        out.json()["session_id"]
    )
    assert sorted((li.description, li.quantity) for li in line_items.data) == [
        ("T-shirt (Size: M)", 2),
        ("T-shirt (Size: XL)", 1),
    ]
    await _pay(emulator, out.json()["session_id"])
    async with db_helper.session_factory() as own:
        order = await fulfil_checkout_session(own, out.json()["session_id"])
        await own.commit()
    assert order is not None
    detail = await client.get(f"/api/v1/staff/orders/{order.id}", headers=staff_headers)
    assert [
        (i["variant_id"], i["sku"], i["options"], i["unit_price"], i["quantity"])
        for i in detail.json()["items"]
    ] == [
        (variant["M"], "TS-M", "Size: M", 1590, 2),
        (variant["XL"], "TS-XL", "Size: XL", 1690, 1),
    ]
    shown = await client.get(f"/api/v1/products/{product.id}/variants")
    assert {v["sku"]: v["stock"] for v in shown.json()["variants"]} == {"TS-M": 1, "TS-XL": 1}

    # Refund one M with restock: it goes back to M, not to XL.
    m_line = await session.scalar(
        select(OrderItem.id).where(
            OrderItem.order_id == order.id, OrderItem.variant_id == variant["M"]
        )
    )
    refund = await client.post(
        f"/api/v1/staff/orders/{order.id}/refunds",
        json={"lines": [{"order_item_id": m_line, "quantity": 1}], "restock": True},
        headers=staff_headers,
    )
    assert refund.status_code in (200, 201), refund.text
    shown = await client.get(f"/api/v1/products/{product.id}/variants")
    assert {v["sku"]: v["stock"] for v in shown.json()["variants"]} == {"TS-M": 2, "TS-XL": 1}
