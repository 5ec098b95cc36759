"""Each variant of a product with options is a Stripe Price (lookup key = SKU) on its
product's Stripe Product: made, replaced on a price change, archived when not sold, checked
for drift and repaired, all by the worker through the real SDK against the emulator."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe
from sqlalchemy import select

from payments.conftest import assert_stripe_matches_store, drain
from vitrina.catalog.models import Product, ProductVariant
from vitrina.db import db_helper
from vitrina.payments.client import make_stripe_client
from vitrina.payments.seed import StripeItems
from vitrina.payments.sync.drift import find_drift, load_stripe, repair

pytestmark = pytest.mark.usefixtures("sync_app")


async def _shirt(
    client: httpx.AsyncClient, headers: dict[str, str], make_product: Any, sizes: dict[str, int]
) -> tuple[int, dict[str, int]]:
    """A T-shirt with a Size option and a variant per size (SKU TS-<size>, the given price)."""
    product = await make_product(name="T-shirt", price=1490, stock=0)
    r = await client.post(
        f"/api/v1/products/{product.id}/options",
        json={"name": "Size", "values": [{"value": s} for s in sizes]},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    values = {v["value"]: v["id"] for v in r.json()["options"][0]["values"]}
    made: dict[str, int] = {}
    for size, price in sizes.items():
        r = await client.post(
            f"/api/v1/products/{product.id}/variants",
            json={"values": [values[size]], "sku": f"TS-{size}", "price": price, "stock": 5},
            headers=headers,
        )
        assert r.status_code == 201, r.text
        made[size] = next(v["id"] for v in r.json()["variants"] if v["sku"] == f"TS-{size}")
    return product.id, made


def _by_sku(stripe_client: stripe.StripeClient, sku: str) -> list[stripe.Price]:
    return stripe_client.v1.prices.list({"lookup_keys": [sku]}).data


async def _recorded(variant_id: int) -> tuple[str | None, int | None]:
    async with db_helper.session_factory() as own:
        variant = await own.get(ProductVariant, variant_id)
        assert variant is not None
        return variant.stripe_price_id, variant.stripe_price_amount


async def test_variant_prices_follow_the_variants(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    make_product: Any,
    stripe_client: stripe.StripeClient,
) -> None:
    product_id, variant = await _shirt(
        client, staff_headers, make_product, {"M": 1590, "XL": 1690, "S": 1490}
    )
    plain = await make_product(name="Mug", price=900)
    await drain()
    await assert_stripe_matches_store()

    [m_price] = _by_sku(stripe_client, "TS-M")
    assert (m_price.unit_amount, m_price.product, m_price.active) == (
        1590,
        f"vitrina_prod_{product_id}",
        True,
    )
    assert m_price.metadata.to_dict() == {
        "vitrina_product_id": str(product_id),
        "vitrina_variant_id": str(variant["M"]),
        "vitrina_sku": "TS-M",
        "vitrina_options": "Size: M",
    }
    assert await _recorded(variant["M"]) == (m_price.id, 1590)
    mug_prices = stripe_client.v1.prices.list({"product": f"vitrina_prod_{plain.id}"}).data
    assert [
        (p.unit_amount, p.metadata.to_dict().get("vitrina_variant_id")) for p in mug_prices
    ] == [(900, None)]  # a product without options keeps exactly its own Price

    url = f"/api/v1/products/{product_id}/variants"
    r = await client.patch(f"{url}/{variant['M']}", json={"price": 1790}, headers=staff_headers)
    assert r.status_code == 200, r.text
    await drain()
    [new_price] = _by_sku(stripe_client, "TS-M")  # the SKU moved to the new Price
    assert (new_price.unit_amount, new_price.active) == (1790, True)
    old = stripe_client.v1.prices.retrieve(m_price.id)
    assert (old.active, old.lookup_key) == (False, None)
    assert await _recorded(variant["M"]) == (new_price.id, 1790)

    r = await client.patch(
        f"{url}/{variant['M']}", json={"price": 1590, "sku": "TS-MED"}, headers=staff_headers
    )
    assert r.status_code == 200, r.text
    await client.patch(f"{url}/{variant['XL']}", json={"is_active": False}, headers=staff_headers)
    r = await client.delete(f"{url}/{variant['S']}", headers=staff_headers)
    assert r.status_code in (200, 204), r.text
    await drain()
    await assert_stripe_matches_store()
    [again] = _by_sku(stripe_client, "TS-MED")
    assert again.id == m_price.id and again.active  # the earlier Price, reactivated, no twin
    assert [p.active for p in _by_sku(stripe_client, "TS-M")] == [False]  # 1790, archived
    [xl] = _by_sku(stripe_client, "TS-XL")
    [s] = _by_sku(stripe_client, "TS-S")
    assert (xl.active, s.active) == (False, False)
    assert await _recorded(variant["XL"]) == (None, None)


async def test_drift_finds_and_fixes_a_variant_price_changed_in_stripe(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    make_product: Any,
    stripe_client: stripe.StripeClient,
) -> None:
    product_id, variant = await _shirt(client, staff_headers, make_product, {"M": 1590, "L": 1690})
    await drain()
    [m_price] = _by_sku(stripe_client, "TS-M")
    [l_price] = _by_sku(stripe_client, "TS-L")
    # Someone edits Stripe by hand: archives M's Price and sells L at another amount.
    stripe_client.v1.prices.update(m_price.id, {"active": False})
    stripe_client.v1.prices.create(
        {
            "product": f"vitrina_prod_{product_id}",
            "currency": "usd",
            "unit_amount": 99,
            "lookup_key": "TS-L",
            "transfer_lookup_key": True,
            "metadata": {"vitrina_variant_id": str(variant["L"])},
        }
    )
    view = await load_stripe(make_stripe_client())
    async with db_helper.session_factory() as own:
        drift = await find_drift(own, view)
    assert sorted((d.local_id, d.problem, d.store) for d in drift) == [
        (product_id, "stale variant price", "TS-L 1690 usd"),
        (product_id, "stale variant price", "TS-M 1590 usd"),
    ]
    async with db_helper.session_factory() as own:
        assert await repair(own, make_stripe_client(), drift) == 1
        await own.commit()
    await drain()
    await assert_stripe_matches_store()
    [m_now] = _by_sku(stripe_client, "TS-M")
    [l_now] = _by_sku(stripe_client, "TS-L")
    assert (m_now.id, m_now.active, l_now.id, l_now.active) == (m_price.id, True, l_price.id, True)


async def test_stripe_items_accept_variants(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    make_product: Any,
    stripe_client: stripe.StripeClient,
) -> None:
    product_id, variant = await _shirt(client, staff_headers, make_product, {"M": 1590, "L": 1690})
    mug = await make_product(name="Mug", price=900)
    await drain()
    async with db_helper.session_factory() as own:
        rows = {
            v.id: v
            for v in await own.scalars(
                select(ProductVariant).where(ProductVariant.product_id == product_id)
            )
        }
        mug_row = await own.get(Product, mug.id)
        m, l_ = rows[variant["M"]], rows[variant["L"]]
        l_.price = 1750  # the store moved on; Stripe still sells L at 1690 until the worker runs
        await own.commit()
        items = await StripeItems(products=[m, m, l_, mug_row], add_key=True).action()
        offline = StripeItems(products=[m, l_, mug_row]).line_items()
    [m_price] = _by_sku(stripe_client, "TS-M")
    assert items[0] == {"price": m_price.id, "quantity": 2}  # found by its SKU
    assert items[1]["price_data"] == {
        "currency": "usd",
        "unit_amount": 1750,
        "product": f"vitrina_prod_{product_id}",
    }
    assert items[2]["price_data"]["product"] == f"vitrina_prod_{mug.id}"
    assert offline[0] == {"price": m_price.id, "quantity": 1}  # the Price the worker recorded
    assert "price_data" in offline[1]
    checkout = stripe_client.v1.checkout.sessions.create(
        {"mode": "payment", "line_items": items, "success_url": "http://testserver/ok"}
    )
    assert checkout.amount_total == 2 * 1590 + 1750 + 900
