"""Clearing an order's review flag once a person has looked at it.

Fulfilment flags an order (`needs_review`, `review_reason`) when Stripe's amount differs from
the store's, when stock ran short, or when a payment arrived after the order was cancelled.
Staff resolve it with a note; the flag is cleared and the history keeps the reason, the note
and who resolved it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts.models import User
from vitrina.errors import Conflict
from vitrina.orders import service as orders
from vitrina.orders.models import Order

REVIEW_RESOLVED = "review_resolved"


async def resolve_review(session: AsyncSession, order_id: int, actor: User, note: str) -> Order:
    """Clear the order's review flag; 409 if it is not flagged."""
    order = await orders.lock_order(session, order_id)
    if not order.needs_review:
        raise Conflict("This order is not flagged for review.")
    reason = order.review_reason or ""
    order.needs_review = False
    order.review_reason = None
    orders.add_event(
        session,
        order,
        REVIEW_RESOLVED,
        actor_id=actor.id,
        note=note.strip(),
        data={"review_reason": reason},
    )
    await session.flush()
    return order
