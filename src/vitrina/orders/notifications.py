"""Mail to customers about their orders, sent only after the transaction has committed.

Fulfilment calls `confirm_after_commit(session, order)`, a refund
`refund_mail_after_commit(session, refund_id)`; when that session's outermost transaction
commits, a task claims the mail (`confirmation_sent_at` / `mail_sent_at` set by a conditional
UPDATE, committed) and then sends. The claim makes a duplicate impossible whatever replays;
a crash between claim and send loses that one mail, which is the accepted trade.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, cast

import structlog
from sqlalchemy import Table, bindparam, event, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction, selectinload

from vitrina.config import get_settings
from vitrina.db import db_helper
from vitrina.kit.clock import utcnow
from vitrina.mail.language import N_, MailText, mail_language
from vitrina.orders.models import Order, OrderItem, OrderRefund

log = structlog.get_logger(__name__)

Sender = Callable[[int], Coroutine[Any, Any, bool]]
PENDING_KEY = "vitrina.order_confirmations"
_tasks: set[asyncio.Task[bool]] = set()


def confirm_after_commit(session: AsyncSession, order: Order) -> None:
    """Mail the order's confirmation once the session commits. It is written now, from the
    order and items in hand (they are what commits), so that sending it costs the claim and
    no read of the order back."""
    subject, body = render_confirmation(order, get_settings().store_name)
    message = (order.email, subject, body)

    async def send(order_id: int) -> bool:
        return await send_confirmation(order_id, message=message)

    _after_commit_send(session, send, order.id)


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


STATUS_NAMES = {
    "awaiting_payment": N_("Awaiting payment"),
    "paid": N_("Paid"),
    "processing": N_("Processing"),
    "shipped": N_("Shipped"),
    "delivered": N_("Delivered"),
    "cancelled": N_("Cancelled"),
    "refunded": N_("Refunded"),
}


def _row(text: MailText, label: str, value: str) -> str:
    return text(N_("%(label)s: %(value)s"), label=label, value=value)


def render_confirmation(order: Order, store_name: str) -> tuple[str, str]:
    """The confirmation in the language the customer bought in; the lines keep the names
    the products were sold under."""
    text = MailText(mail_language(order.language))
    lines = [
        text(
            N_("Thank you for your order #%(number)s at %(store)s."),
            number=order.id,
            store=store_name,
        ),
        "",
        *(
            "  "
            + text(
                N_("%(quantity)s x %(name)s at %(price)s = %(total)s"),
                quantity=item.quantity,
                name=item.name,
                price=text.money(item.unit_price, order.currency),
                total=text.money(item.line_total, order.currency),
            )
            for item in order.items
        ),
        "",
        _row(text, text(N_("Subtotal")), text.money(order.subtotal, order.currency)),
    ]
    if order.discount:
        label = text(N_("Discount"))
        if order.coupon_code:
            label += f" ({order.coupon_code})"
        lines.append(_row(text, label, "-" + text.money(order.discount, order.currency)))
    if order.shipping:
        lines.append(_row(text, text(N_("Shipping")), text.money(order.shipping, order.currency)))
    status = STATUS_NAMES.get(order.status.value, order.status.value)
    lines += [
        _row(text, text(N_("Order total")), text.money(order.total, order.currency)),
        _row(text, text(N_("Status")), text(status)),
    ]
    subject = text(N_("%(store)s: order #%(number)s confirmed"), store=store_name, number=order.id)
    return subject, "\n".join(lines) + "\n"


Composer = Callable[[AsyncSession, int], Coroutine[Any, Any, tuple[str, str, str]]]


async def _claim_then_send(
    kind: str, row_id: int, claim: Any, compose: Composer, values: dict[str, Any] | None = None
) -> bool:
    """Claim the mail (a conditional UPDATE ... RETURNING with `values`, committed), then send
    what `compose` writes (to, subject, body); False when it was already claimed."""
    try:
        async with db_helper.session_factory() as session:
            claimed = (await session.execute(claim, values)).scalar_one_or_none()
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


async def _claim_then_send_written(
    kind: str, row_id: int, claim: Any, values: dict[str, Any], message: tuple[str, str, str]
) -> bool:
    """`_claim_then_send` for a mail written already: the claim is one committed statement."""
    try:
        async with db_helper.engine.begin() as connection:
            if (await connection.execute(claim, values)).scalar_one_or_none() is None:
                return False
        from vitrina.mail import send_mail

        await send_mail(*message)
        log.info(f"{kind}_sent", row_id=row_id)
        return True
    except Exception as exc:  # a lost mail must not break anything else
        log.exception(f"{kind}_failed", row_id=row_id, error=str(exc))
        return False


_orders = cast(Table, Order.__table__)
_CLAIM_CONFIRMATION = (
    update(_orders)
    .where(_orders.c.id == bindparam("order_id"), _orders.c.confirmation_sent_at.is_(None))
    .values(confirmation_sent_at=bindparam("now"))
    .returning(_orders.c.id)
)
"""Built once (every order's confirmation runs it); `updated_at` is set by its `onupdate`."""


async def send_confirmation(order_id: int, *, message: tuple[str, str, str] | None = None) -> bool:
    """Claim and send one order's confirmation (`message`: to, subject and body, when the
    caller wrote it already); False when it was already claimed."""

    async def compose(session: AsyncSession, claimed: int) -> tuple[str, str, str]:
        order = await _order_with_items(session, claimed)
        return (order.email, *render_confirmation(order, get_settings().store_name))

    values = {"order_id": order_id, "now": utcnow()}
    if message is not None:
        return await _claim_then_send_written(
            "order_confirmation", order_id, _CLAIM_CONFIRMATION, values, message
        )
    return await _claim_then_send(
        "order_confirmation", order_id, _CLAIM_CONFIRMATION, compose, values
    )


def render_refund(order: Order, refund: OrderRefund, store_name: str) -> tuple[str, str]:
    text = MailText(mail_language(order.language))
    items = {item.id: item for item in order.items}
    money = text.money(refund.amount, order.currency)
    lines = [
        text(
            N_("We have refunded %(amount)s of your order #%(number)s at %(store)s."),
            amount=money,
            number=order.id,
            store=store_name,
        ),
        "",
    ]
    for line in refund.lines:
        item: OrderItem = items[line.order_item_id]
        amount = text.money(line.amount, order.currency)
        lines.append(f"  {line.quantity} x {item.name}: {amount}")
    if refund.lines:
        lines.append("")
    if refund.note:
        lines += [text(N_("Note: %(note)s"), note=refund.note), ""]
    lines.append(
        text(
            N_(
                "The money goes back to the card you paid with; your bank may take a few days "
                "to show it."
            )
        )
    )
    subject = text(
        N_("%(store)s: refund of %(amount)s for order #%(number)s"),
        store=store_name,
        amount=money,
        number=order.id,
    )
    return subject, "\n".join(lines) + "\n"


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
