"""The seed's examples, verbatim, against the emulator; effects checked with the SDK."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from stripe import StripeClient

from payments.conftest import drain
from vitrina.payments.seed_items import (
    ActivateStipeItem,
    ActivateStripeItem,
    CreateDiscountCoupon,
    CreateStripeItem,
    DeactivateStripeItem,
    DeleteDiscountCoupon,
    StripeItems,
    UpdateDiscountCoupon,
    UpdateStripeItem,
)
from vitrina.payments.sync.ids import coupon_stripe_id

pytestmark = pytest.mark.usefixtures("sync_app")


async def _seed_create_item() -> None:
    # fmt: off
    values = dict(
        id=1,
        name='Stripe',
        price=50000,
    )
    stripe = CreateStripeItem(values)
    await stripe.action()
    # fmt: on


async def _seed_create_coupon() -> None:
    # fmt: off
    values = dict(
        id=1,
        number='COUPON',
        discount=22.0,
        end_at=8043214523, # UNIX-time required
    )
    stripe = CreateDiscountCoupon(values)
    await stripe.action()
    # fmt: on


def _default_price(client: StripeClient, product_id: str) -> Any:
    product = client.v1.products.retrieve(product_id, {"expand": ["default_price"]})
    return product, product.default_price


async def test_create_stripe_item(stripe_client: StripeClient, settings: Any) -> None:
    # fmt: off
    values = dict(
        id=1,
        name='Stripe',
        price=50000,
    )
    stripe = CreateStripeItem(values)
    await stripe.action()
    # fmt: on

    product, price = _default_price(stripe_client, "vitrina_prod_1")
    assert product.name == "Stripe" and product.active
    assert price.unit_amount == 50000 and price.currency == settings.store_currency
    await stripe.action()  # again: nothing new
    assert len(stripe_client.v1.products.list().data) == 1
    assert len(stripe_client.v1.prices.list().data) == 1


async def test_update_stripe_item(stripe_client: StripeClient) -> None:
    await _seed_create_item()
    # fmt: off
    values = dict(
        id=1,
        name='Updated_Stripe',
    )
    stripe = UpdateStripeItem(values)
    await stripe.action()
    # fmt: on

    product, price = _default_price(stripe_client, "vitrina_prod_1")
    assert product.name == "Updated_Stripe"
    assert price.unit_amount == 50000


async def test_update_price_makes_a_new_default_and_archives_the_old(
    stripe_client: StripeClient,
) -> None:
    await _seed_create_item()
    _, old = _default_price(stripe_client, "vitrina_prod_1")
    await UpdateStripeItem(dict(id=1, price=45000)).action()
    _, new = _default_price(stripe_client, "vitrina_prod_1")
    assert new.unit_amount == 45000 and new.id != old.id
    assert not stripe_client.v1.prices.retrieve(old.id).active
    await UpdateStripeItem(dict(id=1, price=45000)).action()
    assert len(stripe_client.v1.prices.list({"product": "vitrina_prod_1"}).data) == 2


async def test_deactivate_stripe_item(stripe_client: StripeClient) -> None:
    await _seed_create_item()
    # fmt: off
    values = dict(
        id=1,
    )
    stripe = DeactivateStripeItem(values)
    await stripe.action()
    # fmt: on

    assert not stripe_client.v1.products.retrieve("vitrina_prod_1").active


async def test_activate_stipe_item(stripe_client: StripeClient) -> None:
    await _seed_create_item()
    await DeactivateStripeItem(dict(id=1)).action()
    # fmt: off
    values = dict(
        id=1,
    )
    stripe = ActivateStipeItem(values)
    await stripe.action()
    # fmt: on

    assert stripe_client.v1.products.retrieve("vitrina_prod_1").active
    assert ActivateStripeItem is ActivateStipeItem


async def test_stripe_items(make_product: Any, session: Any, stripe_client: StripeClient) -> None:
    product_1 = await make_product(name="Tea", price=1000)
    product_3 = await make_product(name="Pot", price=4000)
    await drain()
    product_2 = await make_product(name="Cup", price=900)  # not in Stripe yet
    await session.refresh(product_1)
    await session.refresh(product_3)
    product_1.price = 1250  # the store's price moved on; Stripe's default price is still 1000
    product_1.mark_for_sync()
    await session.commit()

    # fmt: off
    list_items = [
        product_1,
        product_2,
        product_3,
        ]
    stripe = StripeItems(
        products=list_items,
        add_key=True,
    )
    # add_key необходим в случае ручного использования,
    # для того что бы система автоматически добавила API_KEY
    # к запросу Stripe
    # fmt: on

    assert stripe.api_key and stripe.client is not None
    items = await stripe.action()
    assert [i["price_data"]["unit_amount"] for i in items] == [1250, 900, 4000]
    assert items[0]["price_data"]["product"] == f"vitrina_prod_{product_1.id}"
    assert items[1]["price_data"]["product_data"]["name"] == "Cup"
    assert items[2]["price_data"]["product"] == f"vitrina_prod_{product_3.id}"
    assert all(i["quantity"] == 1 for i in items)
    assert StripeItems(products=[product_1, product_1]).line_items()[0]["quantity"] == 2

    checkout = stripe_client.v1.checkout.sessions.create(
        {"mode": "payment", "line_items": items, "success_url": "http://testserver/ok"}
    )
    assert checkout.amount_total == 1250 + 900 + 4000


async def test_create_discount_coupon(stripe_client: StripeClient) -> None:
    # fmt: off
    values = dict(
        id=1,
        number='COUPON',
        discount=22.0,
        end_at=8043214523, # UNIX-time required
    )
    stripe = CreateDiscountCoupon(values)
    await stripe.action()
    # fmt: on

    coupon = stripe_client.v1.coupons.retrieve(coupon_stripe_id(1, 22.0, 8043214523))
    assert coupon.percent_off == 22.0 and coupon.valid
    assert coupon.redeem_by is not None and coupon.redeem_by < 8043214523
    assert coupon.redeem_by > datetime.now(UTC).timestamp() + 4 * 365 * 86400
    codes = stripe_client.v1.promotion_codes.list({"code": "COUPON", "active": True}).data
    assert [c.promotion.coupon for c in codes] == [coupon.id]


async def test_update_discount_coupon(stripe_client: StripeClient) -> None:
    await _seed_create_coupon()
    # fmt: off
    values = dict(
        id=1,
        number='NEWCOUPON',
    )
    stripe = UpdateDiscountCoupon(values)
    await stripe.action()
    # fmt: on

    coupon_id = coupon_stripe_id(1, 22.0, 8043214523)
    active = stripe_client.v1.promotion_codes.list({"active": True}).data
    assert [(c.code, c.promotion.coupon) for c in active] == [("NEWCOUPON", coupon_id)]
    old = stripe_client.v1.promotion_codes.list({"code": "COUPON"}).data
    assert [c.active for c in old] == [False]


async def test_update_discount_changes_the_coupon(stripe_client: StripeClient) -> None:
    await _seed_create_coupon()
    await UpdateDiscountCoupon(dict(id=1, discount=30)).action()
    coupons = stripe_client.v1.coupons.list().data
    assert [c.id for c in coupons] == [coupon_stripe_id(1, 30, 8043214523)]
    assert coupons[0].percent_off == 30
    active = stripe_client.v1.promotion_codes.list({"active": True}).data
    assert [(c.code, c.promotion.coupon) for c in active] == [("COUPON", coupons[0].id)]


async def test_delete_discount_coupon(stripe_client: StripeClient) -> None:
    await _seed_create_coupon()
    # fmt: off
    values = dict(
        id=1,
    )
    stripe = DeleteDiscountCoupon(values)
    await stripe.action()
    # fmt: on

    assert stripe_client.v1.coupons.list().data == []
    assert stripe_client.v1.promotion_codes.list({"active": True}).data == []


async def test_manual_use_reads_the_environment(
    app: FastAPI, settings: Any, monkeypatch: pytest.MonkeyPatch, stripe_client: StripeClient
) -> None:
    """By hand, outside the app: the key and base come from STRIPE_API_KEY/STRIPE_API_BASE."""
    import asyncio
    import os
    import sys

    script = (
        "import asyncio\n"
        "from vitrina.payments.seed_items import CreateStripeItem\n"
        "async def main():\n"
        "    values = dict(\n        id=7,\n        name='Stripe',\n        price=50000,\n    )\n"
        "    stripe = CreateStripeItem(values)\n"
        "    await stripe.action()\n"
        "asyncio.run(main())\n"
    )
    env = {
        **os.environ,
        "STRIPE_API_KEY": settings.stripe_api_key.get_secret_value(),
        "STRIPE_API_BASE": settings.stripe_api_base,
        "DATABASE_URL": settings.database_url,
    }
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", script, env=env)
    assert await process.wait() == 0
    assert stripe_client.v1.products.retrieve("vitrina_prod_7").name == "Stripe"
