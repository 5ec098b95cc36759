"""Refunds go through Stripe once per request and reach the order through charge.refunded."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from orders.conftest import Emulator, Listen, MakePaidOrder, eventually, order_for, stock_of
from vitrina.accounts.models import User
from vitrina.orders.models import OrderStatus


async def _refunded(session: AsyncSession, stripe_session_id: str, amount: int) -> bool:
    order = await order_for(session, stripe_session_id)
    return order is not None and order.amount_refunded == amount


async def test_partial_then_full_refund_follow_charge_refunded(
    client: httpx.AsyncClient,
    session: AsyncSession,
    customer: User,
    staff: User,
    staff_headers: dict[str, str],
    make_product,
    make_paid_order: MakePaidOrder,
    emulator: Emulator,
    listen: Listen,
) -> None:
    product = await make_product(price=2500, stock=10)
    order, arranged = await make_paid_order(customer, [(product, 2)], shipping=500)
    total = arranged.total
    url = f"/api/v1/staff/orders/{order.id}/refunds"

    # No webhook yet: the same request twice (a double click, a retry) is one refund.
    first = await client.post(url, json={"amount": 1000}, headers=staff_headers)
    second = await client.post(url, json={"amount": 1000}, headers=staff_headers)
    assert first.status_code == second.status_code == 201, first.text
    assert first.json()["refund_id"] == second.json()["refund_id"]
    assert first.json()["idempotency_key"] == f"vitrina:refund:{order.id}:0:1000"
    refunds = await emulator.stripe.v1.refunds.list_async(
        {"payment_intent": order.stripe_payment_intent_id}
    )
    assert [r.amount for r in refunds.data] == [1000]
    unchanged = await order_for(session, arranged.session_id)
    assert unchanged is not None and unchanged.amount_refunded == 0  # Stripe's event decides

    await listen()
    charge_event = await emulator.event(
        "charge.refunded", (await emulator.stripe.v1.refunds.list_async()).data[0].charge or ""
    )
    delivered = await emulator.deliver(charge_event.id, times=2)
    assert [d["status"] for d in delivered] == [200, 200]
    partial = await order_for(session, arranged.session_id)
    assert partial is not None and partial.amount_refunded == 1000
    assert partial.status is OrderStatus.PAID

    over = await client.post(url, json={"amount": total}, headers=staff_headers)
    assert over.status_code == 409 and str(total - 1000) in over.json()["detail"]
    rest = await client.post(url, json={}, headers=staff_headers)
    assert rest.status_code == 201 and rest.json()["amount"] == total - 1000
    await eventually(lambda: _refunded(session, arranged.session_id, total), what="full refund")
    await emulator.settle()
    full = await order_for(session, arranged.session_id)
    assert full is not None and full.status is OrderStatus.REFUNDED
    assert (await client.post(url, json={}, headers=staff_headers)).status_code == 409
    assert (await client.post(url, json={"amount": 0}, headers=staff_headers)).status_code == 422
    assert await stock_of(session, product.id) == 8  # a refund does not restock by itself

    detail = await client.get(f"/api/v1/staff/orders/{order.id}", headers=staff_headers)
    kinds = [(e["kind"], e["actor_id"]) for e in detail.json()["events"]]
    assert kinds == [
        ("created", None),
        ("refund_requested", staff.id),  # once: the repeated request was the same refund
        ("refunded", None),
        ("refund_requested", staff.id),
        ("refunded", None),
        ("status_changed", None),
    ]


async def test_cancelling_a_paid_order_refunds_it_and_returns_stock(
    client: httpx.AsyncClient,
    session: AsyncSession,
    customer: User,
    staff_headers: dict[str, str],
    make_product,
    make_paid_order: MakePaidOrder,
    emulator: Emulator,
    webhook_endpoint: str,
) -> None:
    product = await make_product(price=1500, stock=6)
    order, arranged = await make_paid_order(customer, [(product, 2)])
    assert await stock_of(session, product.id) == 4
    url = f"/api/v1/staff/orders/{order.id}/status"

    processing = await client.post(url, json={"status": "processing"}, headers=staff_headers)
    assert processing.status_code == 200
    cancelled = await client.post(
        url, json={"status": "cancelled", "note": "customer asked"}, headers=staff_headers
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert await stock_of(session, product.id) == 6
    await eventually(
        lambda: _refunded(session, arranged.session_id, arranged.total), what="the refund"
    )
    await emulator.settle()
    final = await order_for(session, arranged.session_id)
    assert final is not None and final.status is OrderStatus.CANCELLED
    again = await client.post(url, json={"status": "cancelled"}, headers=staff_headers)
    assert again.status_code == 409
    assert await stock_of(session, product.id) == 6
