"""A handler that fails after the event was received loses nothing: the retry makes the order."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orders.conftest import (
    ArrangeCheckout,
    Emulator,
    count_orders,
    eventually,
    post_event,
    stock_of,
)
from vitrina.accounts.models import User
from vitrina.db import db_helper
from vitrina.orders.models import WebhookEvent
from vitrina.payments import webhooks

COMPLETED = "checkout.session.completed"


class CrashOnce:
    """Wraps a handler: the first call does the work, then fails before it can commit."""

    def __init__(self, handler: webhooks.Handler) -> None:
        self.handler = handler
        self.calls = 0

    async def apply(self, session: AsyncSession, fetched: Any) -> object:
        self.calls += 1
        result = await self.handler.apply(session, fetched)
        if self.calls == 1:
            raise RuntimeError("simulated crash between receiving and handling")
        return result


async def _inbox(session: AsyncSession, event_id: str) -> WebhookEvent | None:
    return (
        await session.execute(
            select(WebhookEvent)
            .where(WebhookEvent.external_id == event_id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def test_stripe_redelivery_after_a_failed_handler_creates_the_order(
    session: AsyncSession,
    customer: User,
    make_product,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
    webhook_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = webhooks.HANDLERS[COMPLETED]
    crash = CrashOnce(original)
    monkeypatch.setitem(webhooks.HANDLERS, COMPLETED, webhooks.Handler(original.fetch, crash.apply))
    product = await make_product(price=1000, stock=5)
    arranged = await arrange_checkout(customer, [(product, 2)])

    await emulator.complete(arranged.session_id, "paid")

    async def made() -> bool:
        return await count_orders(session, arranged.session_id) == 1

    await eventually(made, what="the redelivered event to create the order")
    await emulator.settle()
    event = await emulator.event(COMPLETED, arranged.session_id)
    statuses = [d["status"] for d in await emulator.deliveries() if d["event"] == event.id]
    assert statuses == [500, 200]
    row = await _inbox(session, event.id)
    assert row is not None and row.handled_at is not None
    assert row.attempts == 2 and row.last_error is None
    assert crash.calls == 2
    assert await stock_of(session, product.id) == 3


async def test_retry_command_handles_what_stripe_gave_up_on(
    client: httpx.AsyncClient,
    session: AsyncSession,
    customer: User,
    make_product,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
    webhook_secret: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    product, event = await _paid_event_whose_handler_crashed(
        client, customer, make_product, arrange_checkout, emulator, webhook_secret, monkeypatch
    )
    row = await _inbox(session, event["id"])
    assert row is not None and row.handled_at is None and row.attempts == 1
    assert row.last_error and "database went away" in row.last_error
    assert await count_orders(session) == 0
    assert await stock_of(session, product.id) == 5

    counts = await webhooks.retry_unhandled(db_helper.session_factory, older_than=timedelta(0))
    assert counts[webhooks.Outcome.HANDLED] == 1
    again = await webhooks.retry_unhandled(db_helper.session_factory, older_than=timedelta(0))
    assert again[webhooks.Outcome.HANDLED] == 0
    row = await _inbox(session, event["id"])
    assert row is not None and row.handled_at is not None and row.attempts == 2
    assert await count_orders(session) == 1
    assert await stock_of(session, product.id) == 4


async def test_the_worker_retries_unhandled_events_by_itself(
    client: httpx.AsyncClient,
    session: AsyncSession,
    customer: User,
    make_product,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
    webhook_secret: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    product, _event = await _paid_event_whose_handler_crashed(
        client, customer, make_product, arrange_checkout, emulator, webhook_secret, monkeypatch
    )
    stop = asyncio.Event()
    retrier = asyncio.create_task(
        webhooks.run_webhook_retrier(stop, every=0.05, older_than=timedelta(0))
    )
    try:

        async def order_made() -> bool:
            return await count_orders(session) == 1

        await eventually(order_made, what="the retrier to create the order")
    finally:
        stop.set()
        await asyncio.wait_for(retrier, timeout=5)
    assert await stock_of(session, product.id) == 4


async def _paid_event_whose_handler_crashed(
    client: httpx.AsyncClient,
    customer: User,
    make_product: Any,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
    webhook_secret: str,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Any, dict[str, Any]]:
    """A paid session whose `checkout.session.completed` was recorded, but whose handler
    failed ("database went away mid-handler"): the endpoint answered 500."""

    async def broken(session: AsyncSession, fetched: Any) -> object:
        raise RuntimeError("database went away mid-handler")

    product = await make_product(price=1000, stock=5)
    arranged = await arrange_checkout(customer, [(product, 1)])
    await emulator.complete(arranged.session_id, "paid")
    event = (await emulator.event(COMPLETED, arranged.session_id)).to_dict()
    with monkeypatch.context() as patch:
        fetch = webhooks.HANDLERS[COMPLETED].fetch
        patch.setitem(webhooks.HANDLERS, COMPLETED, webhooks.Handler(fetch, broken))
        assert (await post_event(client, event, webhook_secret)).status_code == 500
    return product, event
