"""Stripe webhooks through an inbox: verify, record once, handle once, retry what failed.

1. The signature is checked on the raw body (`stripe.WebhookSignature.verify_header`, 300 s)
   and the body parsed once (`construct_event` would parse it again into an Event object
   the inbox does not use).
2. The event is inserted into `webhook_events` (unique source + external id, `ON CONFLICT DO
   NOTHING`) and committed on its own, so it survives whatever happens next.
3. Unless already handled, the event's object is fetched from Stripe (no connection held),
   then a second transaction claims the row with a conditional `UPDATE ... WHERE handled_at
   IS NULL` (on PostgreSQL that row lock makes a concurrent delivery of the same event wait,
   then find it handled), applies the handler, stamps `handled_at` and commits: handling and
   stamp commit together or not at all.
4. If the handler fails, the error is recorded and the endpoint answers 500, so Stripe
   delivers again; `vitrina retry-webhooks` handles rows that stayed unhandled.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, cast

import stripe
import structlog
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vitrina.db import db_helper
from vitrina.errors import BadRequest
from vitrina.kit.clock import utcnow
from vitrina.orders.models import WebhookEvent
from vitrina.payments import failures, fulfilment, gateway
from vitrina.reads import run

log = structlog.get_logger(__name__)

SOURCE = "stripe"
SIGNATURE_TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class Handler:
    """`fetch` asks Stripe for the event's object as it is now (no database connection held);
    `apply` brings the store in line with it inside the claimed transaction. Without `fetch`,
    `apply` takes the object as the (verified) event carries it: what happened at that time."""

    fetch: Callable[[str], Awaitable[Any]] | None
    apply: Callable[[AsyncSession, Any], Awaitable[object]]


async def _fulfil(session: AsyncSession, remote: stripe.checkout.Session) -> object:
    return await fulfilment.fulfil_remote(session, remote, source="webhook")


_SESSION_PAID = Handler(gateway.retrieve_checkout_session, _fulfil)

HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": _SESSION_PAID,
    "checkout.session.async_payment_succeeded": _SESSION_PAID,
    "checkout.session.async_payment_failed": _SESSION_PAID,
    "checkout.session.expired": Handler(
        gateway.retrieve_checkout_session, fulfilment.expire_checkout_session
    ),
    "charge.refunded": Handler(gateway.retrieve_charge, fulfilment.follow_charge_refunds),
    "payment_intent.payment_failed": Handler(None, failures.record_payment_failure),
    "charge.failed": Handler(None, failures.record_charge_failure),
}
"""Event type -> Handler for the event's `data.object.id`. Other types are recorded only."""


class Outcome(StrEnum):
    HANDLED = "handled"
    ALREADY_HANDLED = "already_handled"
    FAILED = "failed"


def verify(payload: bytes, signature: str | None, secret: str) -> dict[str, Any]:
    """The event, if the signature is Stripe's and fresh; otherwise 400."""
    if not signature:
        raise BadRequest("Missing Stripe-Signature header.")
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, secret, tolerance=SIGNATURE_TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError as exc:
        raise BadRequest("Invalid or expired Stripe signature.") from exc
    except ValueError as exc:  # not UTF-8 text
        raise BadRequest("The webhook body is not valid JSON.") from exc
    try:
        event = json.loads(payload)
    except ValueError as exc:
        raise BadRequest("The webhook body is not valid JSON.") from exc
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise BadRequest("The webhook body is not a Stripe event.")
    return event


@dataclass(frozen=True)
class InboxRow:
    id: int
    type: str
    payload: dict[str, Any]
    handled: bool


_inbox = cast(Table, WebhookEvent.__table__)


def _insert_once(insert: Callable[[Table], Any]) -> Any:
    """The inbox insert for one dialect, built once: `ON CONFLICT DO NOTHING ... RETURNING`."""
    return (
        insert(_inbox)
        .values(
            source=bindparam("source"),
            external_id=bindparam("external_id"),
            type=bindparam("type"),
            payload=bindparam("payload", type_=_inbox.c.payload.type),
            received_at=bindparam("received_at"),
            attempts=bindparam("attempts"),
        )
        .on_conflict_do_nothing(index_elements=["source", "external_id"])
        .returning(_inbox.c.id)
    )


_INSERT = {"postgresql": _insert_once(pg_insert), "sqlite": _insert_once(sqlite_insert)}
_RECORDED = select(_inbox.c.id, _inbox.c.handled_at).where(
    _inbox.c.source == bindparam("source"), _inbox.c.external_id == bindparam("external_id")
)
_CLAIM = (
    update(_inbox)
    .where(_inbox.c.id == bindparam("row_id"), _inbox.c.handled_at.is_(None))
    .values(attempts=_inbox.c.attempts + 1)
    .returning(_inbox.c.id)
)
"""Claim an unhandled row for this delivery (the row lock a concurrent one waits on)."""


async def record(session: AsyncSession, event: dict[str, Any]) -> InboxRow:
    """Insert the event once (`ON CONFLICT DO NOTHING ... RETURNING`); returns its inbox
    row, read back only when the event was there already (a redelivery)."""
    values = {
        "source": SOURCE,
        "external_id": event["id"],
        "type": event["type"],
        "payload": event,
        "received_at": utcnow(),
        "attempts": 0,
    }
    inserted = await session.scalar(_INSERT[session.get_bind().dialect.name], values)
    if inserted is not None:  # a new event (the usual case): no second round trip
        return InboxRow(inserted, event["type"], event, False)
    found = {"source": SOURCE, "external_id": event["id"]}
    row_id, handled_at = (await session.execute(_RECORDED, found)).one()
    return InboxRow(row_id, event["type"], event, handled_at is not None)


def _object_id(payload: dict[str, Any]) -> str:
    return str(payload["data"]["object"]["id"])


async def _fetch(handler: Handler, payload: dict[str, Any]) -> Any:
    if handler.fetch is None:
        return payload["data"]["object"]
    return await handler.fetch(_object_id(payload))


_STAMP = (
    update(_inbox)
    .where(_inbox.c.id == bindparam("row_id"))
    .values(handled_at=bindparam("now"), last_error=None)
)
"""The handled stamp: a prebuilt statement in the handler's transaction."""


async def handle(factory: async_sessionmaker[AsyncSession], row: InboxRow) -> Outcome:
    """Handle one inbox row unless it is handled already; the stamp commits with the work."""
    if row.handled:
        return Outcome.ALREADY_HANDLED
    handler = HANDLERS.get(row.type)
    try:
        fetched = await _fetch(handler, row.payload) if handler else None
        async with factory() as session:
            # A Core statement on the table: the inbox row is never loaded as an object
            # here, so there is nothing in the session to synchronise.
            claimed = await session.scalar(_CLAIM, {"row_id": row.id})
            if claimed is None:
                return Outcome.ALREADY_HANDLED
            if handler is not None:
                await handler.apply(session, fetched)
            await run(session, _STAMP, {"row_id": row.id, "now": utcnow()})
            await session.commit()
    except Exception as exc:
        log.exception("webhook_handler_failed", row_id=row.id, event_type=row.type)
        await _record_failure(factory, row.id, exc)
        return Outcome.FAILED
    return Outcome.HANDLED


async def handle_stored(factory: async_sessionmaker[AsyncSession], row_id: int) -> Outcome:
    async with factory() as session:
        event_type, payload, handled_at = (
            await session.execute(
                select(WebhookEvent.type, WebhookEvent.payload, WebhookEvent.handled_at).where(
                    WebhookEvent.id == row_id
                )
            )
        ).one()
    return await handle(factory, InboxRow(row_id, event_type, payload, handled_at is not None))


async def _record_failure(
    factory: async_sessionmaker[AsyncSession], row_id: int, exc: Exception
) -> None:
    async with factory() as session:
        await session.execute(
            update(WebhookEvent)
            .where(WebhookEvent.id == row_id)
            .values(
                attempts=WebhookEvent.attempts + 1,
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
            )
        )
        await session.commit()


_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _handling_slots(size: int) -> asyncio.Semaphore:
    """Per process, at most `size` deliveries use the database at once; a burst of events
    waits here instead of taking every pooled connection from customers' requests."""
    loop = asyncio.get_running_loop()
    slots = _slots.get(loop)
    if slots is None:
        slots = _slots[loop] = asyncio.Semaphore(max(1, size))
    return slots


async def receive(
    factory: async_sessionmaker[AsyncSession], event: dict[str, Any], *, concurrency: int = 8
) -> Outcome:
    async with _handling_slots(concurrency):
        async with factory() as session:
            row = await record(session, event)
            await session.commit()
        return await handle(factory, row)


async def retry_unhandled(
    factory: async_sessionmaker[AsyncSession],
    *,
    older_than: timedelta = timedelta(minutes=1),
    limit: int = 100,
) -> dict[Outcome, int]:
    """Handle inbox rows left unhandled (a crash, or Stripe gave up); oldest first."""
    async with factory() as session:
        row_ids = list(
            await session.scalars(
                select(WebhookEvent.id)
                .where(
                    WebhookEvent.handled_at.is_(None),
                    WebhookEvent.received_at <= utcnow() - older_than,
                )
                .order_by(WebhookEvent.received_at)
                .limit(limit)
            )
        )
    counts = dict.fromkeys(Outcome, 0)
    for row_id in row_ids:
        counts[await handle_stored(factory, row_id)] += 1
    return counts


async def run_webhook_retrier(
    stop: asyncio.Event, *, every: float = 60.0, older_than: timedelta = timedelta(minutes=1)
) -> None:
    """Until `stop` is set: every `every` seconds, handle inbox rows still unhandled (Stripe
    retries for days, but a store should not wait on it). Runs beside the sync worker."""
    while not stop.is_set():
        try:
            await retry_unhandled(db_helper.session_factory, older_than=older_than)
        except Exception:  # a bad pass is logged and tried again; the worker keeps running
            log.exception("webhook_retry_pass_failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
