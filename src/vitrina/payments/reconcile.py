"""Compare the store's orders with Stripe's Checkout Sessions and charges over a period.

Every difference is listed, none is fixed here: a paid session with no order, an order whose
payment Stripe does not confirm (or the reverse), amounts that differ, refunds that differ,
and lines that differ: what Stripe charged per line (quantity, unit amount, and for a line
sold at a variant's Price, that variant) against the order's lines as sold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import stripe
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from vitrina.errors import NotFound
from vitrina.kit.clock import to_unix
from vitrina.kit.money import as_text
from vitrina.orders.models import Order, OrderStatus
from vitrina.orders.service import SETTLED
from vitrina.payments import gateway
from vitrina.payments.sync.variant_prices import variant_of

PAID_STATUSES = ("paid", "no_payment_required")
CONFIRMED = SETTLED | {OrderStatus.REFUNDED}


class Kind(StrEnum):
    PAID_SESSION_WITHOUT_ORDER = "paid session without order"
    ORDER_WITHOUT_PAYMENT = "order without payment"
    PAYMENT_NOT_RECORDED = "payment not recorded"
    AMOUNT_MISMATCH = "amount mismatch"
    TAX_MISMATCH = "tax mismatch"
    REFUND_MISMATCH = "refund mismatch"
    LINE_MISMATCH = "line mismatch"


@dataclass(frozen=True)
class Difference:
    kind: Kind
    stripe_id: str
    order_id: int | None
    store: str
    stripe: str


def _is_paid(remote: stripe.checkout.Session) -> bool:
    return remote.status == "complete" and remote.payment_status in PAID_STATUSES


def _compare_order(order: Order, remote: stripe.checkout.Session | None) -> list[Difference]:
    sid = order.stripe_session_id
    if remote is None or not _is_paid(remote):
        if order.status in CONFIRMED:
            shown = "missing" if remote is None else f"{remote.status}/{remote.payment_status}"
            return [Difference(Kind.ORDER_WITHOUT_PAYMENT, sid, order.id, order.status, shown)]
        return []
    found: list[Difference] = []
    if order.status is OrderStatus.AWAITING_PAYMENT:
        found.append(Difference(Kind.PAYMENT_NOT_RECORDED, sid, order.id, order.status, "paid"))
    charged = remote.amount_total or 0
    ours, theirs = order.currency, (remote.currency or order.currency).lower()
    if (
        order.total != charged
        or ours.lower() != theirs
        or (order.status in CONFIRMED and order.amount_charged != charged)
    ):
        found.append(
            Difference(
                Kind.AMOUNT_MISMATCH,
                sid,
                order.id,
                f"total {as_text(order.total, ours)}, "
                f"charged {as_text(order.amount_charged, ours)}",
                f"amount_total {as_text(charged, theirs)}",
            )
        )
    stripe_tax = remote.total_details.amount_tax if remote.total_details else 0
    if order.tax != stripe_tax:
        found.append(
            Difference(
                Kind.TAX_MISMATCH,
                sid,
                order.id,
                f"tax {as_text(order.tax, ours)}",
                f"amount_tax {as_text(stripe_tax, theirs)}",
            )
        )
    return found


def _compare_refunds(order: Order, charge: stripe.Charge | None) -> list[Difference]:
    refunded = charge.amount_refunded if charge is not None else 0
    if order.amount_refunded == refunded:
        return []
    return [
        Difference(
            Kind.REFUND_MISMATCH,
            charge.id if charge is not None else order.stripe_payment_intent_id or "",
            order.id,
            f"refunded {as_text(order.amount_refunded, order.currency)}",
            f"refunded {as_text(refunded, order.currency)}",
        )
    ]


def _line(variant_id: int | None, quantity: int, unit_amount: int) -> str:
    sold = f"variant {variant_id} " if variant_id is not None else ""
    return f"{sold}{quantity} x {unit_amount}"


def _compare_lines(order: Order, remote: list[stripe.LineItem]) -> list[Difference]:
    """The order's lines against Stripe's: quantities and unit amounts, and the variant of
    each line Stripe charged at a variant's own Price."""
    there: list[str] = []
    for item in remote:
        price = item.price
        amount = price.unit_amount if price is not None else None
        variant_id = variant_of(price) if price is not None else None
        there.append(_line(variant_id, item.quantity or 0, amount or 0))
    here: list[str] = []
    at_price = {v for v in (variant_of(i.price) for i in remote if i.price) if v is not None}
    for line in order.items:
        shown = line.variant_id if line.variant_id in at_price else None
        here.append(_line(shown, line.quantity, line.unit_price))
    if sorted(here) == sorted(there):
        return []
    return [
        Difference(
            Kind.LINE_MISMATCH,
            order.stripe_session_id,
            order.id,
            "; ".join(sorted(here)),
            "; ".join(sorted(there)),
        )
    ]


async def _session(session_id: str) -> stripe.checkout.Session | None:
    try:
        return await gateway.retrieve_checkout_session(session_id)
    except NotFound:
        return None


async def reconcile(
    session: AsyncSession, *, since: datetime | None = None, until: datetime | None = None
) -> list[Difference]:
    """Every difference between the store and Stripe for sessions and orders in the period."""
    since_ts = to_unix(since) if since else None
    until_ts = to_unix(until) if until else None
    remote = {s.id: s async for s in gateway.iter_checkout_sessions(since_ts, until_ts)}
    charges: dict[str, stripe.Charge] = {}
    async for charge in gateway.iter_charges(since_ts, None):
        if isinstance(charge.payment_intent, str):
            charges[charge.payment_intent] = charge
    window = [Order.created_at >= since] if since else []
    if until:
        window.append(Order.created_at <= until)
    query = select(Order).options(selectinload(Order.items))
    if window:
        listed = [Order.stripe_session_id.in_(list(remote))] if remote else []
        query = query.where(or_(and_(*window), *listed))
    order_rows = list((await session.execute(query.order_by(Order.id))).scalars())
    differences: list[Difference] = []
    seen: set[str] = set()
    for order in order_rows:
        seen.add(order.stripe_session_id)
        match = remote.get(order.stripe_session_id)
        if match is None:
            match = await _session(order.stripe_session_id)
        differences += _compare_order(order, match)
        if match is not None and _is_paid(match) and order.status in CONFIRMED:
            differences += _compare_lines(order, await gateway.line_items(match.id))
        if order.stripe_payment_intent_id and order.amount_charged > 0:
            differences += _compare_refunds(order, charges.get(order.stripe_payment_intent_id))
    for sid, item in remote.items():
        if sid not in seen and _is_paid(item):
            differences.append(
                Difference(
                    Kind.PAID_SESSION_WITHOUT_ORDER,
                    sid,
                    None,
                    "no order",
                    f"{item.payment_status}, amount_total {item.amount_total}",
                )
            )
    return differences
