"""What staff do to orders: move them along, cancel them, refund them through Stripe.

Cancelling before shipping puts the goods back in stock and, if the order was paid, refunds
what is left of the payment in full (idempotency key `vitrina:refund:<order>:cancel`, so a
retried cancel never refunds twice). The order is `cancelled` at once; `charge.refunded` later
records the amount.

A refund asks Stripe and records the request; the order's `amount_refunded` follows from
`charge.refunded` (Stripe's own figure), not from the request. The idempotency key is derived
from the order, the amount Stripe has confirmed refunded so far and the amount asked for: a
double click or a retried request before Stripe's event arrives is the same refund, not a
second one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts.models import User
from vitrina.errors import Conflict
from vitrina.orders import gateway
from vitrina.orders import service as orders
from vitrina.orders.models import Order, OrderStatus


@dataclass(frozen=True)
class RefundResult:
    order_id: int
    refund_id: str
    amount: int
    status: str | None
    idempotency_key: str


async def change_status(
    session: AsyncSession, order_id: int, target: OrderStatus, actor: User, note: str = ""
) -> Order:
    order = await orders.lock_order(session, order_id)
    orders.check_transition(order, target)
    if target is OrderStatus.CANCELLED:
        if order.status in orders.SETTLED:
            await _refund_rest_on_cancel(session, order, actor)
        await orders.cancel_with_stock_back(
            session, order, actor_id=actor.id, note=note or "Cancelled by staff."
        )
    else:
        orders.set_status(session, order, target, actor_id=actor.id, note=note)
    await session.flush()
    return order


async def _refund_rest_on_cancel(session: AsyncSession, order: Order, actor: User) -> None:
    rest = order.amount_charged - order.amount_refunded
    if rest <= 0 or not order.stripe_payment_intent_id:
        return
    key = f"vitrina:refund:{order.id}:cancel"
    refund = await gateway.create_refund(
        order.stripe_payment_intent_id,
        rest,
        idempotency_key=key,
        metadata={"order_id": str(order.id), "reason": "order cancelled"},
    )
    orders.add_event(
        session,
        order,
        "refund_requested",
        actor_id=actor.id,
        note=f"Refund of {rest} requested on cancellation.",
        data={"refund_id": refund.id, "amount": rest, "idempotency_key": key},
    )


async def request_refund(
    session: AsyncSession, order_id: int, amount: int | None, actor: User
) -> RefundResult:
    order = await orders.get_order(session, order_id)
    if order.amount_charged <= 0 or not order.stripe_payment_intent_id:
        raise Conflict("Nothing was charged for this order, so nothing can be refunded.")
    rest = order.amount_charged - order.amount_refunded
    if rest <= 0:
        raise Conflict("This order has already been refunded in full.")
    amount = rest if amount is None else amount
    if amount > rest:
        raise Conflict(f"Cannot refund {amount}: only {rest} of the payment is not yet refunded.")
    key = f"vitrina:refund:{order.id}:{order.amount_refunded}:{amount}"
    refund = await gateway.create_refund(
        order.stripe_payment_intent_id,
        amount,
        idempotency_key=key,
        metadata={"order_id": str(order.id), "requested_by": str(actor.id)},
    )
    orders.add_event(
        session,
        order,
        "refund_requested",
        actor_id=actor.id,
        note=f"Refund of {amount} requested.",
        data={"refund_id": refund.id, "amount": amount, "idempotency_key": key},
    )
    return RefundResult(order.id, refund.id, amount, refund.status, key)
