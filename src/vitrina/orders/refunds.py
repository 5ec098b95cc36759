"""Refunds staff ask for: an amount, lines and quantities, or both; optionally restocked.

A refund is recorded (`OrderRefund`, with its lines) before Stripe is called, under the order's
row lock. Its `token` names the request and gives the Stripe idempotency key
(`vitrina:refund:<token>`; every token starts with the order id): the admin's form carries a
fresh token, the API takes an `Idempotency-Key` header or derives one from what Stripe has
confirmed so far and what is asked. A request whose token is already recorded is the same
request sent again (a double click, a retry): it returns the recorded refund and Stripe is
not called twice.

Lines are refunded at what the customer paid for them: the line total less its share of the
order's discount, split so that refunding every unit, in any number of steps, gives back
exactly the discounted line total. The order's `amount_refunded` still follows Stripe's
`charge.refunded`; a refund in full moves the order to `refunded` there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from vitrina.accounts.models import User
from vitrina.errors import BadRequest, Conflict, Unprocessable
from vitrina.kit.clock import utcnow
from vitrina.orders import inventory
from vitrina.orders import service as orders
from vitrina.orders.models import (
    Order,
    OrderItem,
    OrderRefund,
    OrderRefundLine,
    RefundStatus,
)
from vitrina.orders.notifications import refund_mail_after_commit
from vitrina.payments import refunds as stripe_refunds
from vitrina.payments.refunds import RefundReason

MAX_TOKEN = 100


@dataclass(frozen=True)
class LineAsk:
    order_item_id: int
    quantity: int


@dataclass(frozen=True)
class RefundAsk:
    """What staff ask for. `amount` is added to the lines' value (shipping, goodwill)."""

    lines: tuple[LineAsk, ...] = ()
    amount: int = 0
    reason: RefundReason | None = None
    note: str = ""
    restock: bool = False
    token: str | None = None
    """Names the request; None: derived from the order and the request (the API's default)."""


@dataclass(frozen=True)
class RefundOutcome:
    refund: OrderRefund
    created: bool
    """False when the token named a refund recorded before (the same request again)."""
    restocked: dict[int, int] = field(default_factory=dict)


def _half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def paid_line_totals(order: Order) -> dict[int, int]:
    """Each line's total less its share of the order's discount (largest remainder split)."""
    subtotal = sum(item.line_total for item in order.items)
    if not order.discount or subtotal <= 0:
        return {item.id: item.line_total for item in order.items}
    shares = {item.id: item.line_total * order.discount // subtotal for item in order.items}
    left = order.discount - sum(shares.values())
    by_remainder = sorted(
        order.items, key=lambda i: (-(i.line_total * order.discount % subtotal), i.id)
    )
    for item in by_remainder[:left]:
        shares[item.id] += 1
    return {item.id: item.line_total - shares[item.id] for item in order.items}


def line_refund_amount(paid: int, quantity: int, already: int, more: int) -> int:
    """What `more` units cost after `already` of `quantity` were refunded (sums to `paid`)."""
    return _half_up(paid * (already + more), quantity) - _half_up(paid * already, quantity)


def refunded_quantities(order: Order) -> dict[int, int]:
    """Units of each line covered by refunds not refused (refunds and lines must be loaded)."""
    done: dict[int, int] = {}
    for refund in order.refunds:
        if refund.status is RefundStatus.FAILED:
            continue
        for line in refund.lines:
            done[line.order_item_id] = done.get(line.order_item_id, 0) + line.quantity
    return done


def restocked_quantities(order: Order) -> dict[int, int]:
    """Units per variant put back in stock by refunds (refunds and lines must be loaded)."""
    items = {item.id: item for item in order.items}
    back: dict[int, int] = {}
    for refund in order.refunds:
        if refund.status is not RefundStatus.SENT or not refund.restock:
            continue
        for line in refund.lines:
            variant_id = items[line.order_item_id].variant_id
            if variant_id is not None:
                back[variant_id] = back.get(variant_id, 0) + line.quantity
    return back


def requested_total(order: Order) -> int:
    return sum(r.amount for r in order.refunds if r.status is not RefundStatus.FAILED)


def refundable(order: Order) -> int:
    """What is left of the payment to refund: Stripe's figure or ours, whichever is higher."""
    return max(order.amount_charged - max(order.amount_refunded, requested_total(order)), 0)


async def lock_with_refunds(session: AsyncSession, order_id: int) -> Order:
    order = await orders.lock_order(session, order_id)
    await session.refresh(order, ["refunds"])
    for refund in order.refunds:
        await session.refresh(refund, ["lines"])
    return order


async def refund_by_token(session: AsyncSession, token: str) -> OrderRefund | None:
    return await session.scalar(
        select(OrderRefund)
        .where(OrderRefund.token == token)
        .options(selectinload(OrderRefund.lines))
        .execution_options(populate_existing=True)
    )


def _lines(order: Order, asked: tuple[LineAsk, ...]) -> list[OrderRefundLine]:
    items: dict[int, OrderItem] = {item.id: item for item in order.items}
    done = refunded_quantities(order)
    paid = paid_line_totals(order)
    merged: dict[int, int] = {}
    for ask in asked:
        if ask.quantity < 0:
            raise Unprocessable("A quantity to refund cannot be negative.")
        if ask.order_item_id not in items:
            raise Unprocessable(f"Line {ask.order_item_id} is not part of order {order.id}.")
        merged[ask.order_item_id] = merged.get(ask.order_item_id, 0) + ask.quantity
    lines = []
    for item_id, quantity in sorted(merged.items()):
        if quantity == 0:
            continue
        item, already = items[item_id], done.get(item_id, 0)
        if already + quantity > item.quantity:
            raise Conflict(f"Only {item.quantity - already} of {item.name!r} are left to refund.")
        amount = line_refund_amount(paid[item_id], item.quantity, already, quantity)
        lines.append(OrderRefundLine(order_item_id=item_id, quantity=quantity, amount=amount))
    return lines


def _token(order: Order, ask: RefundAsk) -> str:
    if ask.token is not None:
        token = f"{order.id}:{ask.token}"
    else:
        asked = ask.amount or order.amount_charged - order.amount_refunded
        lines = ",".join(f"{a.order_item_id}x{a.quantity}" for a in ask.lines)
        token = f"{order.id}:{order.amount_refunded}:{asked}" + (f":{lines}" if lines else "")
    if len(token) > MAX_TOKEN:
        raise Unprocessable("The idempotency key is too long.")
    return token


async def request_refund(
    session: AsyncSession, order_id: int, ask: RefundAsk, actor: User
) -> RefundOutcome:
    """Record the refund, ask Stripe for it, then restock and mail the customer."""
    order = await lock_with_refunds(session, order_id)
    token = _token(order, ask)
    earlier = await refund_by_token(session, token)
    if earlier is not None:
        return RefundOutcome(earlier, created=False)
    if order.amount_charged <= 0 or not order.stripe_payment_intent_id:
        raise Conflict("Nothing was charged for this order, so nothing can be refunded.")
    if ask.amount < 0:
        raise Unprocessable("The amount to refund cannot be negative.")
    rest = refundable(order)
    if rest <= 0:
        raise Conflict("This order has already been refunded in full.")
    lines = _lines(order, ask.lines)
    amount = sum(line.amount for line in lines) + ask.amount
    if not lines and not ask.amount and ask.token is None:
        amount = rest  # the API's "refund the rest"
    if amount <= 0:
        raise Unprocessable("Choose lines to refund or enter an amount.")
    if amount > rest:
        raise Conflict(f"Cannot refund {amount}: only {rest} of the payment is not yet refunded.")
    if ask.restock and not lines:
        raise Unprocessable("Only refunded lines can go back in stock; choose the lines.")
    refund = OrderRefund(
        order_id=order.id,
        token=token,
        amount=amount,
        reason=ask.reason,
        note=ask.note.strip()[:2000],
        restock=ask.restock,
        status=RefundStatus.PENDING,
        actor_id=actor.id,
        created_at=utcnow(),
    )
    refund.lines = lines
    try:
        async with session.begin_nested():
            session.add(refund)
    except IntegrityError:  # the same token, recorded by a request that ran alongside
        earlier = await refund_by_token(session, token)
        if earlier is None:
            raise
        return RefundOutcome(earlier, created=False)
    return await _send(session, order, refund, actor)


async def _send(
    session: AsyncSession, order: Order, refund: OrderRefund, actor: User
) -> RefundOutcome:
    assert order.stripe_payment_intent_id is not None
    key = stripe_refunds.idempotency_key(refund.token)
    try:
        sent = await stripe_refunds.create_refund(
            order.stripe_payment_intent_id,
            refund.amount,
            idempotency_key=key,
            metadata={"order_id": str(order.id), "refund_request": str(refund.id)},
            reason=stripe_refunds.as_reason(refund.reason),
        )
    except (BadRequest, Conflict) as error:  # Stripe refused it: keep the refusal on record
        refund.status, refund.error = RefundStatus.FAILED, str(error.detail)[:2000]
        orders.add_event(
            session,
            order,
            "refund_refused",
            actor_id=actor.id,
            note=refund.error,
            data={"refund_request": refund.id, "amount": refund.amount},
        )
        await session.flush()
        return RefundOutcome(refund, created=True)
    refund.status, refund.stripe_refund_id, refund.sent_at = RefundStatus.SENT, sent.id, utcnow()
    restocked = await _restock(session, order, refund)
    orders.add_event(
        session,
        order,
        "refund_requested",
        actor_id=actor.id,
        note=refund.note or f"Refund of {refund.amount} requested.",
        data={
            "refund_id": sent.id,
            "amount": refund.amount,
            "idempotency_key": key,
            "lines": {str(line.order_item_id): line.quantity for line in refund.lines},
            "restocked": {str(pid): qty for pid, qty in restocked.items()},
            "reason": refund.reason,
        },
    )
    await session.flush()
    refund_mail_after_commit(session, refund.id)
    return RefundOutcome(refund, created=True, restocked=restocked)


async def _restock(session: AsyncSession, order: Order, refund: OrderRefund) -> dict[int, int]:
    if not refund.restock:
        return {}
    items = {item.id: item for item in order.items}
    back: dict[int, int] = {}
    for line in refund.lines:
        variant_id = items[line.order_item_id].variant_id
        if variant_id is not None:
            back[variant_id] = back.get(variant_id, 0) + line.quantity
    await inventory.return_stock(session, [inventory.StockLine(v, q) for v, q in back.items()])
    return back


async def refund_rest_on_cancel(session: AsyncSession, order_id: int, actor: User) -> None:
    """Cancelling a paid order refunds what is left of its payment, once (token `cancel`)."""
    order = await lock_with_refunds(session, order_id)
    rest = refundable(order)
    if rest <= 0 or not order.stripe_payment_intent_id:
        return
    ask = RefundAsk(amount=rest, token="cancel", note="Order cancelled.")  # noqa: S106
    await request_refund(session, order.id, ask, actor)
