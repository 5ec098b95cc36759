"""The seed's StripeSession and ExpireSession examples, run as written (placeholders
replaced by real objects), with their effect checked in the emulator."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from secrets import randbits as getrandbits

from sqlalchemy import select

from vitrina.basket.codes import int_to_base36
from vitrina.basket.models import Basket
from vitrina.coupons.models import DiscountCoupon
from vitrina.kit.clock import utcnow
from vitrina.kit.money import percent_of
from vitrina.payments.checkout_session import ExpireSession, StripeSession
from vitrina.payments.sync import ensure_coupon_in_stripe, sync_due_once


async def _sync_everything() -> None:
    while await sync_due_once(50):
        pass


async def test_seed_stripe_session_example(
    make_user, make_product, session, stripe_client, emulator
) -> None:
    user1 = await make_user()
    product1 = await make_product(name="Teapot", price=50000, stock=3)
    product2 = await make_product(name="Cup", price=1999, stock=3)
    product3 = await make_product(name="Saucer", price=750, stock=3)
    coupon = DiscountCoupon(
        id=1, number="COUPON", discount=Decimal("22.0"), end_at=utcnow() + timedelta(days=30)
    )
    session.add(coupon)
    await session.commit()
    await _sync_everything()
    await session.refresh(product1)
    assert product1.stripe_id

    # --- the seed, verbatim ---
    user = user1
    list_items = [
        product1,
        product2,
        product3,
    ]
    unique_code = int_to_base36(getrandbits(41))
    promo = 1
    session = StripeSession(
        user=user,
        products=list_items,
        unique_code=unique_code,
        promo=promo,
    )
    created = session.get_session_payments()
    # --- end of the seed ---

    found = stripe_client.v1.checkout.sessions.retrieve(created.id)
    assert found.status == "open" and found.mode == "payment"
    subtotal = 50000 + 1999 + 750
    assert found.amount_subtotal == subtotal
    assert found.total_details.amount_discount == percent_of(subtotal, "22.0")
    assert found.metadata.to_dict() == {"unique_code": unique_code, "user_id": str(user1.id)}
    assert found.customer_details.email == user1.email
    assert stripe_client.v1.customers.retrieve(str(found.customer)).email == user1.email
    assert f"code={unique_code}" in found.success_url
    items = stripe_client.v1.checkout.sessions.line_items.list(created.id).data
    assert sorted((i.description, i.quantity) for i in items) == [
        ("Cup", 1),
        ("Saucer", 1),
        ("Teapot", 1),
    ]
    teapot = next(i for i in items if i.description == "Teapot")
    assert teapot.price.product == product1.stripe_id


async def test_seed_stripe_session_async_with_a_coupon_object(
    make_user, make_product, session, stripe_client, emulator
) -> None:
    user = await make_user()
    product = await make_product(name="Kettle", price=3333, stock=1)
    coupon = DiscountCoupon(
        number="THIRD", discount=Decimal("33.33"), end_at=utcnow() + timedelta(1)
    )
    session.add(coupon)
    await session.commit()
    stripe_coupon = await ensure_coupon_in_stripe(session, coupon)
    coupon.stripe_id = stripe_coupon
    created = await StripeSession(
        user=user, products=[(product, 3)], unique_code="abc123", promo=coupon
    ).get_session_payments_async()
    assert created.amount_subtotal == 9999
    assert created.total_details.amount_discount == percent_of(9999, "33.33") == 3333


async def test_seed_expire_session_example(
    client, make_user, make_product, auth_headers, session, stripe_client, emulator
) -> None:
    user = await make_user()
    product = await make_product(stock=2)
    headers = auth_headers(user)
    await client.put(f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=headers)
    opened = (await client.post("/api/v1/checkout", headers=headers)).json()
    basket1 = await session.scalar(select(Basket).where(Basket.user_id == user.id))
    assert basket1 is not None and basket1.session_id == opened["session_id"]

    # --- the seed, verbatim ---
    basket = basket1
    ExpireSession(
        session_id=basket.session_id,
    ).expire_session()
    # --- end of the seed ---

    assert stripe_client.v1.checkout.sessions.retrieve(opened["session_id"]).status == "expired"


async def test_expire_session_async_refuses_a_closed_session(
    make_user, make_product, stripe_client, emulator
) -> None:
    import pytest
    import stripe

    user = await make_user()
    product = await make_product(stock=1)
    created = StripeSession(user=user, products=[product], unique_code="zz").get_session_payments()
    await ExpireSession(session_id=created.id).expire_session_async()
    with pytest.raises(stripe.InvalidRequestError):
        await ExpireSession(session_id=created.id).expire_session_async()


async def test_stripe_session_takes_basket_items(
    client, make_user, make_product, auth_headers, session, stripe_client, emulator
) -> None:
    from sqlalchemy.orm import selectinload

    from vitrina.basket.models import BasketItem

    user = await make_user()
    headers = auth_headers(user)
    mug = await make_product(name="Mug", price=1200, stock=9)
    jar = await make_product(name="Jar", price=800, stock=9)
    await client.put(f"/api/v1/basket/items/{mug.id}", json={"quantity": 2}, headers=headers)
    await client.put(f"/api/v1/basket/items/{jar.id}", json={"quantity": 5}, headers=headers)
    items = list(
        await session.scalars(
            select(BasketItem).options(selectinload(BasketItem.product)).order_by(BasketItem.id)
        )
    )
    created = await StripeSession(
        user=user, products=items, unique_code="items1"
    ).get_session_payments_async()
    assert created.amount_subtotal == 2 * 1200 + 5 * 800
    lines = stripe_client.v1.checkout.sessions.line_items.list(created.id).data
    assert sorted((i.description, i.quantity) for i in lines) == [("Jar", 5), ("Mug", 2)]
