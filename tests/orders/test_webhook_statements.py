"""A paid session's webhook makes its order in few statements: every line's stock taken at
once (on PostgreSQL), the reservations released with the session completed, the basket
emptied with its code forgotten, and the confirmation mail written from the order in hand."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orders.conftest import ArrangeCheckout, Emulator, Listen, order_for, stock_of
from vitrina.accounts.models import User
from vitrina.basket.models import Basket, BasketItem, CheckoutSession, StockReservation
from vitrina.mail import outbox
from vitrina.orders.models import OrderItem
from vitrina.orders.notifications import wait_for_outgoing_mail
from vitrina.reads import recorded_statements


async def test_a_two_line_order_in_few_statements(
    session: AsyncSession,
    customer: User,
    make_product,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
    listen: Listen,
) -> None:
    tea = await make_product(name="Green tea", price=1250, stock=10)
    cup = await make_product(name="Cup", price=999, stock=3)
    arranged = await arrange_checkout(customer, [(tea, 2), (cup, 1)], shipping=500)
    await emulator.complete(arranged.session_id, "paid")  # nobody listens yet
    completed = await emulator.event("checkout.session.completed", arranged.session_id)
    await listen()

    with recorded_statements() as statements:
        [delivery] = await emulator.deliver(completed.id)
        await wait_for_outgoing_mail()
    assert delivery["status"] == 200

    order = await order_for(session, arranged.session_id)
    assert order is not None
    quantities = select(OrderItem.quantity).where(OrderItem.order_id == order.id)
    assert sorted(await session.scalars(quantities)) == [1, 2]
    assert (await stock_of(session, tea.id), await stock_of(session, cup.id)) == (8, 2)
    assert await session.scalar(select(func.count()).select_from(StockReservation)) == 0
    assert await session.scalar(select(func.count()).select_from(BasketItem)) == 0
    basket = await session.get(Basket, arranged.basket_id, populate_existing=True)
    assert basket is not None and basket.unique_code is None and basket.coupon_id is None
    checkout = await session.get(CheckoutSession, arranged.session_id, populate_existing=True)
    assert checkout is not None and checkout.status == "complete"
    [mail] = [m for m in outbox() if m.to == customer.email]
    assert f"order #{order.id}" in mail.subject and "2 x Green tea" in mail.body

    sql = [text for text, _ in statements]
    stock_updates = [s for s in sql if s.startswith("UPDATE product_variants")]
    postgres = session.get_bind().dialect.name == "postgresql"
    assert len(stock_updates) == (1 if postgres else 2)  # every line at once on PostgreSQL
    assert not [s for s in sql if s.startswith("SELECT orders.")]  # no order read back
    assert not [s for s in sql if "FROM users" in s]  # Stripe gave the email
    # inbox insert; claim, checkout lock, savepoint, order, items, release, event, the
    # reservations and session, stock, products, basket, stamp; the mail's claim (14 on
    # PostgreSQL; SQLite runs the combined ones as two each and a line at a time)
    assert len(sql) <= (14 if postgres else 19), sql
