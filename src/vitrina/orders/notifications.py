"""Mail to customers about their orders, sent only after the transaction has committed.

Fulfilment calls `confirm_after_commit(session, order_id)`, a refund
`refund_mail_after_commit(session, refund_id)`; when that session's outermost transaction
commits, a task claims the mail (`confirmation_sent_at` / `mail_sent_at` set by a conditional
UPDATE, committed) and then sends. The claim makes a duplicate impossible whatever replays;
a crash between claim and send loses that one mail, which is the accepted trade.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import structlog
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction, selectinload

from vitrina.config import get_settings
from vitrina.db import db_helper
from vitrina.kit.clock import utcnow
from vitrina.kit.money import as_text
from vitrina.orders.models import Order, OrderItem, OrderRefund

log = structlog.get_logger(__name__)

Sender = Callable[[int], Coroutine[Any, Any, bool]]
PENDING_KEY = "vitrina.order_confirmations"
_tasks: set[asyncio.Task[bool]] = set()


def confirm_after_commit(session: AsyncSession, order_id: int) -> None:
    _after_commit_send(session, send_confirmation, order_id)


def refund_mail_after_commit(session: AsyncSession, refund_id: int) -> None:
    _after_commit_send(session, send_refund_mail, refund_id)


def _after_commit_send(session: AsyncSession, send: Sender, row_id: int) -> None:
    sync = session.sync_session
    sync.info.setdefault(PENDING_KEY, []).append((send, row_id))
    if not event.contains(sync, "after_commit", _after_commit):
        event.listen(sync, "after_commit", _after_commit)
        event.listen(sync, "after_soft_rollback", _after_soft_rollback)


def _after_commit(sync: Session) -> None:
    pending: list[tuple[Sender, int]] = sync.info.pop(PENDING_KEY, [])
    if not pending:
        return
    loop = asyncio.get_running_loop()
    for send, row_id in pending:
        task = loop.create_task(send(row_id))
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)


def _after_soft_rollback(sync: Session, previous: SessionTransaction) -> None:
    if not previous.nested:
        sync.info.pop(PENDING_KEY, None)


async def wait_for_outgoing_mail() -> None:
    """Wait until every mail scheduled so far has been sent (tests, shutdown)."""
    if _tasks:
        await asyncio.wait(list(_tasks))


def render_confirmation(order: Order, store_name: str) -> tuple[str, str]:
    lines = [
        f"Thank you for your order #{order.id} at {store_name}.",
        "",
        *(
            f"  {item.quantity} x {item.name} @ {as_text(item.unit_price, order.currency)}"
            f" = {as_text(item.line_total, order.currency)}"
            for item in order.items
        ),
        "",
        f"Subtotal: {as_text(order.subtotal, order.currency)}",
    ]
    if order.discount:
        code = f" ({order.coupon_code})" if order.coupon_code else ""
        lines.append(f"Discount{code}: -{as_text(order.discount, order.currency)}")
    if order.shipping:
        lines.append(f"Shipping: {as_text(order.shipping, order.currency)}")
    lines += [f"Total: {as_text(order.total, order.currency)}", f"Status: {order.status.value}"]
    return f"{store_name}: order #{order.id} confirmed", "\n".join(lines) + "\n"


Composer = Callable[[AsyncSession, int], Coroutine[Any, Any, tuple[str, str, str]]]


async def _claim_then_send(kind: str, row_id: int, claim: Any, compose: Composer) -> bool:
    """Claim the mail (a conditional UPDATE ... RETURNING, committed), then send what
    `compose` writes (to, subject, body); False when it was already claimed."""
    try:
        async with db_helper.session_factory() as session:
            claimed = (await session.execute(claim)).scalar_one_or_none()
            if claimed is None:
                return False
            to, subject, body = await compose(session, int(claimed))
            await session.commit()
        from vitrina.mail import send_mail

        await send_mail(to, subject, body)
        log.info(f"{kind}_sent", row_id=row_id)
        return True
    except Exception as exc:  # a lost mail must not break anything else
        log.exception(f"{kind}_failed", row_id=row_id, error=str(exc))
        return False


async def _order_with_items(session: AsyncSession, order_id: int) -> Order:
    query = select(Order).where(Order.id == order_id).options(selectinload(Order.items))
    return (await session.execute(query)).scalar_one()


async def send_confirmation(order_id: int) -> bool:
    """Claim and send one order's confirmation; False when it was already claimed."""

    async def compose(session: AsyncSession, claimed: int) -> tuple[str, str, str]:
        order = await _order_with_items(session, claimed)
        return (order.email, *render_confirmation(order, get_settings().store_name))

    claim = (
        update(Order)
        .where(Order.id == order_id, Order.confirmation_sent_at.is_(None))
        .values(confirmation_sent_at=utcnow())
        .returning(Order.id)
    )
    return await _claim_then_send("order_confirmation", order_id, claim, compose)


def render_refund(order: Order, refund: OrderRefund, store_name: str) -> tuple[str, str]:
    items = {item.id: item for item in order.items}
    money = as_text(refund.amount, order.currency)
    lines = [f"We have refunded {money} of your order #{order.id} at {store_name}.", ""]
    for line in refund.lines:
        item: OrderItem = items[line.order_item_id]
        lines.append(f"  {line.quantity} x {item.name}: {as_text(line.amount, order.currency)}")
    if refund.lines:
        lines.append("")
    if refund.note:
        lines += [f"Note: {refund.note}", ""]
    lines.append(
        "The money goes back to the card you paid with; your bank may take a few days to show it."
    )
    return f"{store_name}: refund of {money} for order #{order.id}", "\n".join(lines) + "\n"


async def send_refund_mail(refund_id: int) -> bool:
    """Claim and send one refund's mail; False when it was already claimed."""

    async def compose(session: AsyncSession, order_id: int) -> tuple[str, str, str]:
        refund = (
            await session.execute(
                select(OrderRefund)
                .where(OrderRefund.id == refund_id)
                .options(selectinload(OrderRefund.lines))
            )
        ).scalar_one()
        order = await _order_with_items(session, order_id)
        return (order.email, *render_refund(order, refund, get_settings().store_name))

    claim = (
        update(OrderRefund)
        .where(OrderRefund.id == refund_id, OrderRefund.mail_sent_at.is_(None))
        .values(mail_sent_at=utcnow())
        .returning(OrderRefund.order_id)
    )
    return await _claim_then_send("refund_mail", refund_id, claim, compose)
