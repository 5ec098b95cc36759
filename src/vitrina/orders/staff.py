"""What staff do to orders: move them along the state machine and cancel them.

Cancelling before shipping puts the goods back in stock (less what refunds already restocked)
and, if the order was paid, refunds what is left of the payment in full (`orders.refunds`,
token `cancel`, so a retried cancel never refunds twice). The order is `cancelled` at once;
`charge.refunded` later records the amount.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts.models import User
from vitrina.errors import Unprocessable
from vitrina.orders import refunds
from vitrina.orders import service as orders
from vitrina.orders.models import Order, OrderStatus

NOTE = "note"
MAX_NOTE = 2000


async def change_status(
    session: AsyncSession, order_id: int, target: OrderStatus, actor: User, note: str = ""
) -> Order:
    order = await orders.lock_order(session, order_id)
    orders.check_transition(order, target)
    if target is OrderStatus.CANCELLED:
        if order.status in orders.SETTLED:
            await refunds.refund_rest_on_cancel(session, order.id, actor)
        await orders.cancel_with_stock_back(
            session, order, actor_id=actor.id, note=note or "Cancelled by staff."
        )
    else:
        orders.set_status(session, order, target, actor_id=actor.id, note=note)
    await session.flush()
    return order


async def add_note(session: AsyncSession, order_id: int, actor: User, text: str) -> Order:
    """A staff note in the order's history (not shown to the customer)."""
    text = text.strip()
    if not text:
        raise Unprocessable("Write the note first.")
    if len(text) > MAX_NOTE:
        raise Unprocessable(f"A note is at most {MAX_NOTE} characters.")
    order = await orders.lock_order(session, order_id)
    orders.add_event(session, order, NOTE, actor_id=actor.id, note=text)
    await session.flush()
    return order
