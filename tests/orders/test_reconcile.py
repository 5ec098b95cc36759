"""`reconcile` finds nothing after honest scenarios and every kind of difference otherwise."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx
import pytest
import typer
from sqlalchemy.ext.asyncio import AsyncSession

from orders.conftest import (
    ArrangeCheckout,
    Emulator,
    MakePaidOrder,
    count_orders,
    eventually,
    order_for,
)
from vitrina.accounts.models import User
from vitrina.config import Settings
from vitrina.db import db_helper
from vitrina.orders.cli import _moment
from vitrina.orders.models import Order, OrderStatus
from vitrina.payments.reconcile import Kind, reconcile


async def _differences(session: AsyncSession) -> list[tuple[Kind, str]]:
    found = await reconcile(session)
    await session.rollback()
    return sorted((d.kind, d.stripe_id) for d in found)


async def test_clean_after_paid_async_refunded_and_expired_sessions(
    client: httpx.AsyncClient,
    session: AsyncSession,
    customer: User,
    make_user,
    staff_headers: dict[str, str],
    make_product,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
    webhook_endpoint: str,
) -> None:
    product = await make_product(price=1000, stock=50)
    paid = await arrange_checkout(customer, [(product, 2)])
    delayed = await arrange_checkout(await make_user(), [(product, 1)])
    failed = await arrange_checkout(await make_user(), [(product, 1)])
    left_open = await arrange_checkout(await make_user(), [(product, 1)])
    await emulator.complete(paid.session_id, "paid")
    await emulator.complete(delayed.session_id, "async_succeeded")
    await emulator.complete(failed.session_id, "async_failed")

    async def three() -> bool:
        return await count_orders(session) == 3

    await eventually(three, what="three orders")
    await emulator.settle()
    order = await order_for(session, paid.session_id)
    assert order is not None
    refund = await client.post(
        f"/api/v1/staff/orders/{order.id}/refunds", json={"amount": 300}, headers=staff_headers
    )
    assert refund.status_code == 201

    async def refunded() -> bool:
        current = await order_for(session, paid.session_id)
        return current is not None and current.amount_refunded == 300

    await eventually(refunded, what="charge.refunded")
    await emulator.settle()
    cancelled = await order_for(session, failed.session_id)
    assert cancelled is not None and cancelled.status is OrderStatus.CANCELLED
    assert left_open.session_id
    assert await _differences(session) == []


async def test_every_kind_of_difference_is_listed(
    session: AsyncSession,
    customer: User,
    make_user,
    make_product,
    arrange_checkout: ArrangeCheckout,
    make_paid_order: MakePaidOrder,
    emulator: Emulator,
) -> None:
    product = await make_product(price=1000, stock=50)
    no_order = await arrange_checkout(customer, [(product, 1)])
    await emulator.complete(no_order.session_id, "paid")  # nobody told the store
    _, mismatch = await make_paid_order(
        await make_user(), [(product, 1)], amount_total_override=900
    )
    refunded, refunded_checkout = await make_paid_order(await make_user(), [(product, 1)])
    refund = await emulator.stripe.v1.refunds.create_async(
        {"payment_intent": refunded.stripe_payment_intent_id or "", "amount": 100}
    )
    unpaid = await arrange_checkout(await make_user(), [(product, 1)])
    async with db_helper.session_factory() as other:
        other.add(
            Order(
                user_id=unpaid.user.id,
                status=OrderStatus.PAID,
                email="x@example.com",
                currency="usd",
                subtotal=1000,
                total=1500,
                amount_charged=1500,
                stripe_session_id=unpaid.session_id,
            )
        )
        await other.commit()

    assert await _differences(session) == sorted(
        [
            (Kind.PAID_SESSION_WITHOUT_ORDER, no_order.session_id),
            (Kind.AMOUNT_MISMATCH, mismatch.session_id),
            (Kind.REFUND_MISMATCH, refund.charge or ""),
            (Kind.ORDER_WITHOUT_PAYMENT, unpaid.session_id),
        ]
    )
    assert refunded_checkout.session_id


async def test_reconcile_command_exit_codes(
    settings: Settings,
    session: AsyncSession,
    customer: User,
    make_product,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
) -> None:
    product = await make_product(price=1000, stock=5)
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "STRIPE_API_KEY": (
            settings.stripe_api_key.get_secret_value() if settings.stripe_api_key else ""
        ),
        "STRIPE_API_BASE": settings.stripe_api_base or "",
        "JWT_SECRET": settings.jwt_secret.get_secret_value(),
        "COLUMNS": "200",
    }
    vitrina = str(Path(sys.executable).with_name("vitrina"))

    async def run(*args: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            vitrina, "reconcile", *args, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await process.communicate()
        return process.returncode or 0, out.decode()

    code, out = await run()
    assert code == 0, out
    arranged = await arrange_checkout(customer, [(product, 1)])
    await emulator.complete(arranged.session_id, "paid")
    code, out = await run("--since", "2000-01-01")
    assert code == 1, out
    assert "paid session without order" in out and arranged.session_id in out
    with pytest.raises(typer.BadParameter, match="ISO 8601"):
        _moment("not-a-date")


async def test_clean_after_partial_refunds_by_lines_and_amount(
    client: httpx.AsyncClient,
    session: AsyncSession,
    customer: User,
    staff_headers: dict[str, str],
    make_product,
    make_paid_order: MakePaidOrder,
    emulator: Emulator,
    webhook_endpoint: str,
) -> None:
    product = await make_product(price=1250, stock=10)
    order, arranged = await make_paid_order(customer, [(product, 3)], shipping=500)
    url = f"/api/v1/staff/orders/{order.id}/refunds"
    line = order.items[0].id
    for body in (
        {"lines": [{"order_item_id": line, "quantity": 1}], "restock": True},
        {"amount": 200},
        {"lines": [{"order_item_id": line, "quantity": 1}], "amount": 100},
    ):
        assert (await client.post(url, json=body, headers=staff_headers)).status_code == 201

    async def refunded() -> bool:
        current = await order_for(session, arranged.session_id)
        return current is not None and current.amount_refunded == 1250 + 200 + 1250 + 100

    await eventually(refunded, what="three charge.refunded events")
    await emulator.settle()
    current = await order_for(session, arranged.session_id)
    assert current is not None and current.status is OrderStatus.PAID  # partly refunded
    assert await _differences(session) == []
