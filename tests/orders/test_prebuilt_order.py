"""`orders.prebuilt.insert_order`: the order written by Core statements behaves like one the
ORM flushed (attached, every column loaded, later changes flushed) and a second order for
the same Checkout Session is refused without spoiling the transaction."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fixtures.catalog import MakeProduct
from vitrina.accounts.models import User
from vitrina.db import db_helper
from vitrina.kit.clock import utcnow
from vitrina.orders.models import Order, OrderItem, OrderStatus
from vitrina.orders.prebuilt import can_insert_prebuilt, insert_order

pytestmark = pytest.mark.postgres_only


def _line(product_id: int, n: int) -> OrderItem:
    return OrderItem(
        product_id=product_id,
        variant_id=product_id,
        sku=None,
        options=None,
        name=f"Line {n}",
        unit_price=1000 * n,
        quantity=1,
        line_total=1000 * n,
        tax_amount=0,
    )


def _order(user: User, product_id: int, session_id: str) -> Order:
    return Order(
        user_id=user.id,
        status=OrderStatus.PAID,
        email=user.email,
        currency="usd",
        subtotal=3000,
        discount=0,
        shipping=500,
        shipping_name="Standard",
        shipping_rate_id="shr_1",
        total=3500,
        tax=0,
        tax_breakdown=None,
        amount_charged=3500,
        amount_refunded=0,
        coupon_code=None,
        language="en",
        shipping_address={"name": "A. Buyer", "country": "US"},
        stripe_session_id=session_id,
        stripe_payment_intent_id="pi_1",
        paid_at=utcnow(),
        items=[_line(product_id, n) for n in (1, 2)],
        events=[],
    )


async def test_written_attached_and_refused_twice(
    session: AsyncSession, customer: User, make_product: MakeProduct
) -> None:
    product = await make_product(price=1000, stock=5)
    stripe_session_id = f"cs_test_{secrets.token_hex(6)}"
    async with db_helper.session_factory() as work:
        await work.execute(select(1))  # the request's transaction has begun
        assert can_insert_prebuilt(work)
        order = _order(customer, product.id, stripe_session_id)
        assert await insert_order(work, order, utcnow())
        assert order in work and not work.dirty and not work.new
        assert order.needs_review is False and order.confirmation_sent_at is None
        assert [i.name for i in order.items] == ["Line 1", "Line 2"]
        assert order.items[0].id < order.items[1].id

        again = _order(customer, product.id, stripe_session_id)
        assert not await insert_order(work, again, utcnow())  # the unique session id

        order.needs_review, order.review_reason = True, "checked"  # flushed as an UPDATE
        await work.commit()

    stored = await session.scalar(select(Order).where(Order.id == order.id))
    assert stored is not None
    assert (stored.needs_review, stored.review_reason) == (True, "checked")
    assert stored.shipping_address == {"name": "A. Buyer", "country": "US"}
    assert stored.tax_breakdown is None
    assert stored.status is OrderStatus.PAID
    lines = (
        await session.execute(
            select(OrderItem.id, OrderItem.name).where(OrderItem.order_id == order.id)
        )
    ).all()
    assert sorted(lines) == sorted((i.id, i.name) for i in order.items)
    orders = select(func.count()).where(Order.stripe_session_id == stripe_session_id)
    assert await session.scalar(orders) == 1
