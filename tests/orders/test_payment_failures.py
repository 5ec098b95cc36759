"""A declined card or a failed 3-D Secure step: Stripe's `payment_intent.payment_failed` and
`charge.failed` reach the store's webhook, which logs them and counts them by decline code;
the basket stays payable (no order, the code and the stock reservation kept) and the next
card pays."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import httpx
import pytest
import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from structlog.testing import LogCapture

from orders.conftest import Emulator, count_orders, eventually, order_for
from vitrina.accounts.models import User
from vitrina.basket.models import Basket, CheckoutSession, CheckoutStatus, StockReservation
from vitrina.orders.models import OrderStatus, WebhookEvent
from vitrina.payments import failures

METRIC = "vitrina_payment_failures_total"


async def _failures(client: httpx.AsyncClient, code: str) -> float:
    text = (await client.get("/metrics")).text
    found = re.search(rf'^{METRIC}{{decline_code="{code}"}} (\S+)$', text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def _handled(session: AsyncSession, event_type: str, count: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        session.expunge_all()
        rows = await session.scalars(select(WebhookEvent).where(WebhookEvent.type == event_type))
        handled = [r for r in rows if r.handled_at is not None and r.last_error is None]
        return len(handled) == count

    return check


async def test_declines_leave_the_basket_payable_and_are_counted(
    client: httpx.AsyncClient,
    session: AsyncSession,
    customer: User,
    customer_headers: dict[str, str],
    make_product,
    emulator: Emulator,
    webhook_endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logged = LogCapture()
    monkeypatch.setattr(failures, "log", structlog.wrap_logger(None, processors=[logged]))
    product = await make_product(price=2500, stock=5)
    put = await client.put(
        f"/api/v1/basket/items/{product.id}", json={"quantity": 2}, headers=customer_headers
    )
    assert put.status_code == 200, put.text
    checkout = await client.post("/api/v1/checkout", headers=customer_headers)
    assert checkout.status_code == 200, checkout.text
    session_id = checkout.json()["session_id"]
    basket_id = put.json()["id"]
    before = {
        code: await _failures(client, code)
        for code in ("insufficient_funds", "payment_intent_authentication_failure")
    }
    complete = f"checkout/sessions/{session_id}/complete"
    for card in ("4000000000009995", "4000002760003184"):
        answer = await emulator.http.post(
            f"/_emulator/{complete}", json={"outcome": "declined", "card": card}
        )
        assert answer.status_code == 402, answer.text

    await eventually(_handled(session, "payment_intent.payment_failed", 2), what="2 handled")
    await eventually(_handled(session, "charge.failed", 1), what="charge.failed handled")
    assert await _failures(client, "insufficient_funds") == before["insufficient_funds"] + 1
    assert (
        await _failures(client, "payment_intent_authentication_failure")
        == before["payment_intent_authentication_failure"] + 1
    )
    lines = [e for e in logged.entries if e["event"] == "payment_failed"]
    assert sorted(e["decline_code"] for e in lines) == [
        "insufficient_funds",
        "payment_intent_authentication_failure",
    ]
    assert {(e["basket_id"], e["user_id"]) for e in lines} == {(str(basket_id), str(customer.id))}

    session.expunge_all()
    assert await count_orders(session) == 0
    checkout_row = await session.get(CheckoutSession, session_id)
    assert checkout_row is not None and checkout_row.status is CheckoutStatus.OPEN
    held = await session.scalars(
        select(StockReservation.quantity).where(StockReservation.checkout_session_id == session_id)
    )
    assert list(held) == [2]
    basket = await session.scalar(select(Basket).where(Basket.user_id == customer.id))
    assert basket is not None and basket.unique_code and basket.session_id == session_id

    await emulator.complete(session_id, "paid")

    async def one_order() -> bool:
        return await count_orders(session, session_id) == 1

    await eventually(one_order, what="the order")
    order = await order_for(session, session_id)
    assert order is not None and order.status is OrderStatus.PAID
