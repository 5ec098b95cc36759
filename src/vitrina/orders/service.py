"""Orders after they exist: reading them, the status machine, payment outcomes, history.

Every change locks the order row first (`SELECT ... FOR UPDATE` on PostgreSQL), so a staff
action and a Stripe event arriving together apply one after the other, each seeing the other's
result. Each change writes an `OrderEvent` saying what changed and who did it (`actor_id`
None means Stripe or the store itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from vitrina.accounts.models import User
from vitrina.errors import Conflict, NotFound
from vitrina.kit.clock import utcnow
from vitrina.kit.money import as_text
from vitrina.orders import inventory
from vitrina.orders.models import (
    Order,
    OrderEvent,
    OrderItem,
    OrderRefund,
    OrderRefundLine,
    OrderStatus,
    RefundStatus,
)

STAFF_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.AWAITING_PAYMENT: frozenset({OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.PROCESSING, OrderStatus.CANCELLED}),
    OrderStatus.PROCESSING: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
}
"""What staff may do by hand. `paid` and `refunded` come only from Stripe."""

SETTLED = frozenset(
    {OrderStatus.PAID, OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.DELIVERED}
)
"""Orders whose payment Stripe has confirmed and which are still going ahead."""


def add_event(
    session: AsyncSession,
    order: Order,
    kind: str,
    *,
    actor_id: int | None = None,
    from_status: OrderStatus | None = None,
    to_status: OrderStatus | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> OrderEvent:
    entry = OrderEvent(
        order_id=order.id,
        actor_id=actor_id,
        kind=kind,
        from_status=from_status.value if from_status else None,
        to_status=to_status.value if to_status else None,
        note=note,
        data=data,
        created_at=utcnow(),
    )
    session.add(entry)
    return entry


def set_status(
    session: AsyncSession,
    order: Order,
    status: OrderStatus,
    *,
    actor_id: int | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    previous = order.status
    order.status = status
    add_event(
        session,
        order,
        "status_changed",
        actor_id=actor_id,
        from_status=previous,
        to_status=status,
        note=note,
        data=data,
    )


async def lock_order(session: AsyncSession, order_id: int) -> Order:
    """The order, locked for this transaction and loaded with its items."""
    order = (
        await session.execute(
            select(Order)
            .where(Order.id == order_id)
            .options(selectinload(Order.items))
            .with_for_update(of=Order)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if order is None:
        raise NotFound("Order not found.")
    return order


def sold_lines(order: Order) -> list[inventory.StockLine]:
    return [
        inventory.StockLine(item.variant_id, item.quantity)
        for item in order.items
        if item.variant_id is not None
    ]


def mark_paid(session: AsyncSession, order: Order, amount_charged: int) -> None:
    order.amount_charged = amount_charged
    order.paid_at = utcnow()
    set_status(session, order, OrderStatus.PAID, note="Payment confirmed by Stripe.")


STOCK_SHORTFALL = "stock_shortfall"
"""History entry written when fulfilment found too little stock; its data's `stock_taken`
says how much of each variant really left stock, which is all a cancellation may return
(orders from before variants name products: their variants have the same ids)."""


async def take_order_stock(session: AsyncSession, order: Order) -> list[int]:
    """Take the order's goods from stock; returns the variants that were short.

    On a shortfall the quantities actually taken are kept in the order's history, so that
    cancelling the order later puts back only what was taken (no over-restocking)."""
    taken = await inventory.take_stock(session, sold_lines(order))
    if taken.short:
        add_event(
            session,
            order,
            STOCK_SHORTFALL,
            note=f"Not enough stock for variants {taken.short}; took what there was.",
            data={
                "short": taken.short,
                "stock_taken": {str(pid): qty for pid, qty in taken.quantities.items()},
            },
        )
    return taken.short


async def _lines_to_return(session: AsyncSession, order: Order) -> list[inventory.StockLine]:
    """What the order took from stock: its items, or the recorded amounts after a shortfall."""
    recorded = await session.scalar(
        select(OrderEvent.data)
        .where(OrderEvent.order_id == order.id, OrderEvent.kind == STOCK_SHORTFALL)
        .order_by(OrderEvent.id.desc())
        .limit(1)
    )
    if not recorded or "stock_taken" not in recorded:
        return sold_lines(order)
    taken: dict[str, int] = recorded["stock_taken"]
    return [inventory.StockLine(int(pid), int(qty)) for pid, qty in taken.items()]


async def _restocked_by_refunds(session: AsyncSession, order: Order) -> dict[int, int]:
    """Units per variant that refunds of this order already put back in stock."""
    rows = await session.execute(
        select(OrderItem.variant_id, func.sum(OrderRefundLine.quantity))
        .join(OrderRefundLine, OrderRefundLine.order_item_id == OrderItem.id)
        .join(OrderRefund, OrderRefund.id == OrderRefundLine.refund_id)
        .where(
            OrderItem.order_id == order.id,
            OrderItem.variant_id.is_not(None),
            OrderRefund.restock.is_(True),
            OrderRefund.status == RefundStatus.SENT,
        )
        .group_by(OrderItem.variant_id)
    )
    return {pid: int(qty) for pid, qty in rows.all() if pid is not None}


async def cancel_with_stock_back(
    session: AsyncSession, order: Order, *, actor_id: int | None, note: str
) -> None:
    """Cancel an order whose goods are still here: what it took from stock comes back, less
    what refunds have already restocked."""
    left = {vid: -qty for vid, qty in (await _restocked_by_refunds(session, order)).items()}
    for line in await _lines_to_return(session, order):
        left[line.variant_id] = left.get(line.variant_id, 0) + line.quantity
    lines = [inventory.StockLine(vid, qty) for vid, qty in sorted(left.items()) if qty > 0]
    await inventory.return_stock(session, lines)
    returned = {str(line.variant_id): line.quantity for line in lines if line.quantity > 0}
    set_status(
        session,
        order,
        OrderStatus.CANCELLED,
        actor_id=actor_id,
        note=note,
        data={"stock_returned": returned},
    )


async def apply_refunded_amount(session: AsyncSession, order: Order, amount_refunded: int) -> None:
    """Take Stripe's figure for how much of the charge is refunded (`charge.refunded`).

    Stripe's charge is the truth and only grows, so an older event delivered late changes
    nothing. A fully refunded order becomes `refunded` unless it was cancelled (then the
    refund belongs to the cancellation and the order stays cancelled).
    """
    if amount_refunded <= order.amount_refunded:
        return
    before = order.amount_refunded
    order.amount_refunded = amount_refunded
    add_event(
        session,
        order,
        "refunded",
        note=f"Stripe refunded {as_text(amount_refunded - before, order.currency)} "
        f"(total {as_text(amount_refunded, order.currency)}).",
        data={"amount": amount_refunded - before, "amount_refunded": amount_refunded},
    )
    fully = order.amount_charged > 0 and amount_refunded >= order.amount_charged
    if fully and order.status not in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        set_status(session, order, OrderStatus.REFUNDED, note="Fully refunded.")


@dataclass(frozen=True)
class OrderFilters:
    user_id: int | None = None
    status: OrderStatus | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    email: str | None = None
    flagged: bool | None = None
    customer: str | None = None
    """Part of the customer's email, any case."""
    total_min: int | None = None
    total_max: int | None = None


@dataclass(frozen=True)
class OrderMoney:
    """What the customer paid, what went back, and what the store keeps (minor units)."""

    total: int
    paid: int
    refunded: int
    net: int


def order_money(order: Order) -> OrderMoney:
    """`refunded` is Stripe's confirmed figure (`charge.refunded`)."""
    paid = order.amount_charged if order.paid_at is not None else 0
    return OrderMoney(order.total, paid, order.amount_refunded, paid - order.amount_refunded)


def filtered_orders(filters: OrderFilters) -> Select[Order]:
    """The orders matching `filters` (a statement to page and sort)."""
    query = select(Order)
    if filters.customer:
        query = query.where(
            func.lower(Order.email).contains(filters.customer.strip().lower(), autoescape=True)
        )
    if filters.total_min is not None:
        query = query.where(Order.total >= filters.total_min)
    if filters.total_max is not None:
        query = query.where(Order.total <= filters.total_max)
    if filters.user_id is not None:
        query = query.where(Order.user_id == filters.user_id)
    if filters.status is not None:
        query = query.where(Order.status == filters.status)
    if filters.created_from is not None:
        query = query.where(Order.created_at >= filters.created_from)
    if filters.created_to is not None:
        query = query.where(Order.created_at < filters.created_to)
    if filters.email:
        query = query.where(func.lower(Order.email) == filters.email.strip().lower())
    if filters.flagged is not None:
        query = query.where(Order.needs_review.is_(filters.flagged))
    return query


async def list_orders(
    session: AsyncSession, filters: OrderFilters, *, limit: int, offset: int
) -> tuple[list[Order], int]:
    query = filtered_orders(filters)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await session.execute(
        query.options(selectinload(Order.items))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows.scalars()), int(total)


async def get_order(
    session: AsyncSession,
    order_id: int,
    *,
    user: User | None = None,
    history: bool = False,
    refunds: bool = False,
) -> Order:
    """One order; with `user`, only if it is theirs (someone else's is simply not found).
    `history` loads its events, `refunds` its refund requests with their lines."""
    query = select(Order).where(Order.id == order_id).options(selectinload(Order.items))
    if user is not None:
        query = query.where(Order.user_id == user.id)
    if history:
        query = query.options(selectinload(Order.events))
    if refunds:
        query = query.options(selectinload(Order.refunds).selectinload(OrderRefund.lines))
    order = (await session.execute(query)).scalar_one_or_none()
    if order is None:
        raise NotFound("Order not found.")
    return order


CUSTOMER_EVENT_KINDS = frozenset({"created", "status_changed", "refunded"})
"""History the customer sees; flags, reviews, stock notes and refund requests are staff's."""


def customer_history(order: Order) -> list[OrderEvent]:
    """The order's history as shown to its customer (events must be loaded)."""
    return [event for event in order.events if event.kind in CUSTOMER_EVENT_KINDS]


async def order_by_session(session: AsyncSession, stripe_session_id: str) -> Order | None:
    return (
        await session.execute(
            select(Order)
            .where(Order.stripe_session_id == stripe_session_id)
            .options(selectinload(Order.items))
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def order_by_payment_intent(session: AsyncSession, payment_intent_id: str) -> Order | None:
    return (
        await session.execute(
            select(Order)
            .where(Order.stripe_payment_intent_id == payment_intent_id)
            .options(selectinload(Order.items))
            .with_for_update(of=Order)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


def allowed_transitions(order: Order) -> frozenset[OrderStatus]:
    """The statuses staff may move this order to now."""
    return STAFF_TRANSITIONS.get(order.status, frozenset())


def check_transition(order: Order, target: OrderStatus) -> None:
    allowed = allowed_transitions(order)
    if target not in allowed:
        shown = ", ".join(sorted(s.value for s in allowed)) or "none"
        raise Conflict(
            f"An order that is {order.status.value} cannot become {target.value} "
            f"(allowed: {shown})."
        )
