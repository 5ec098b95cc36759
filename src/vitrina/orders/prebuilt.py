"""A new order and its items written by prebuilt Core statements, then kept as objects.

Fulfilment makes an order per payment. Flushing it through the ORM's unit of work (an
`Order` and its `OrderItem`s, a savepoint, `RETURNING` the ids) cost a sixth of a webhook's
CPU; on PostgreSQL the same two statements in the same savepoint are sent here instead
(`reads.run`: straight to the driver in the request's transaction), and the objects the
caller built are then attached to the session as if just loaded, so that the rest of
fulfilment (stock, events, flags, the confirmation) uses them as before: a later change to
them is flushed as an UPDATE, as it would have been.

Every column is set on the objects before they are written: an attribute left unset would
be expired once attached, and reading it would need a lazy load.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Integer, String, Table, Text, bindparam, func, insert, select
from sqlalchemy import cast as cast_as
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from vitrina.orders.models import Order, OrderItem
from vitrina.reads import has_pending_changes, run

_orders = cast(Table, Order.__table__)
_items = cast(Table, OrderItem.__table__)
_JSON_COLUMNS = ("tax_breakdown", "shipping_address")
_ORDER_COLUMNS = [c for c in _orders.columns if c.name != "id"]
_INSERT_ORDER = (
    insert(_orders)
    .values(
        {
            c.name: (
                cast_as(bindparam(c.name, type_=Text), JSONB)
                if c.name in _JSON_COLUMNS
                else bindparam(c.name, type_=c.type)
            )
            for c in _ORDER_COLUMNS
        }
    )
    .returning(_orders.c.id)
)
"""Every column but the id (so no Python default is left to SQLAlchemy); JSON as text."""

_ITEM_ARRAYS = {
    "product_id": Integer,
    "variant_id": Integer,
    "sku": String,
    "options": String,
    "name": String,
    "unit_price": Integer,
    "quantity": Integer,
    "line_total": Integer,
    "tax_amount": Integer,
}
_INSERT_ITEMS = (
    insert(_items)
    .from_select(
        ["order_id", *_ITEM_ARRAYS],
        select(
            bindparam("order_id", type_=Integer),
            *(
                func.unnest(bindparam(name, type_=ARRAY(kind)))
                for name, kind in _ITEM_ARRAYS.items()
            ),
        ),
    )
    .returning(_items.c.id)
)
"""Every line in one statement (`unnest`, in the order given, so the ids rise with it)."""

_UNSET_BY_FULFILMENT = ("review_reason", "confirmation_sent_at", "paid_at")


def can_insert_prebuilt(session: AsyncSession) -> bool:
    """PostgreSQL, with nothing pending in the session (else the ORM flushes, as before)."""
    return session.get_bind().dialect.name == "postgresql" and not has_pending_changes(session)


def _order_values(order: Order, now: datetime) -> dict[str, Any]:
    order.needs_review = bool(order.needs_review)
    for name in _UNSET_BY_FULFILMENT:
        setattr(order, name, getattr(order, name))  # None unless set: set, so not expired
    order.created_at = order.created_at or now
    order.updated_at = order.updated_at or now
    values = {c.name: getattr(order, c.key) for c in _ORDER_COLUMNS}
    values["status"] = order.status.value
    for name in _JSON_COLUMNS:
        values[name] = None if values[name] is None else json.dumps(values[name])
    return values


async def insert_order(session: AsyncSession, order: Order, now: datetime) -> bool:
    """Write `order` (built with its `items` and empty `events`, not added to the session)
    in a savepoint and attach it; False, with nothing written, when an order of the same
    Checkout Session exists already (the unique `stripe_session_id`)."""
    values = _order_values(order, now)
    items = list(order.items)
    arrays = {name: [getattr(item, name) for item in items] for name in _ITEM_ARRAYS}
    try:
        async with session.begin_nested():
            [row] = await run(session, _INSERT_ORDER, values)
            order_id = int(row["id"])
            rows = await run(session, _INSERT_ITEMS, {"order_id": order_id, **arrays})
    except IntegrityError:
        return False
    order.id = order_id
    for item, item_id in zip(items, sorted(int(r["id"]) for r in rows), strict=True):
        item.id, item.order_id = item_id, order_id
        make_transient_to_detached(item)
    make_transient_to_detached(order)
    session.add(order)
    return True
