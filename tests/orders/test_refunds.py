"""Refunds go through Stripe once per request and reach the order through charge.refunded."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from orders.conftest import Emulator, Listen, MakePaidOrder, eventually, order_for, stock_of
from storefront.helpers import web_login
from vitrina.accounts.models import User
from vitrina.mail import outbox
from vitrina.orders.models import OrderStatus
from vitrina.orders.notifications import wait_for_outgoing_mail


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


async def _stripe_refunds(emulator: Emulator, intent: str | None) -> list[int]:
    page = await emulator.stripe.v1.refunds.list_async({"payment_intent": intent or ""})
    return [refund.amount for refund in page.data]


async def test_refund_by_lines_pays_back_what_was_paid_restocks_once_and_mails(
    client: httpx.AsyncClient,
    session: AsyncSession,
    customer: User,
    staff_headers: dict[str, str],
    make_product,
    make_coupon,
    make_paid_order: MakePaidOrder,
    emulator: Emulator,
    listen: Listen,
) -> None:
    vase = await make_product(price=2500, stock=10)
    cup = await make_product(price=1000, stock=5)
    coupon = await make_coupon(discount="10")
    order, arranged = await make_paid_order(
        customer, [(vase, 2), (cup, 3)], coupon=coupon, shipping=500
    )
    assert arranged.total == 8000 - 800 + 500
    items = {item.product_id: item.id for item in order.items}
    await listen()
    url = f"/api/v1/staff/orders/{order.id}/refunds"
    body = {
        "lines": [
            {"order_item_id": items[vase.id], "quantity": 1},
            {"order_item_id": items[cup.id], "quantity": 1},
        ],
        "restock": True,
        "reason": "requested_by_customer",
        "note": "One of each came broken.",
    }
    first = await client.post(url, json=body, headers={**staff_headers, "Idempotency-Key": "a1"})
    assert first.status_code == 201, first.text
    assert first.json()["amount"] == 2250 + 900  # line totals less their 10% share
    assert first.json()["restocked"] == {str(vase.id): 1, str(cup.id): 1}
    again = await client.post(url, json=body, headers={**staff_headers, "Idempotency-Key": "a1"})
    assert again.status_code == 201 and again.json()["refund_id"] == first.json()["refund_id"]
    assert await _stripe_refunds(emulator, order.stripe_payment_intent_id) == [3150]
    assert (await stock_of(session, vase.id), await stock_of(session, cup.id)) == (9, 3)

    too_many = {"lines": [{"order_item_id": items[cup.id], "quantity": 3}]}
    refused = await client.post(url, json=too_many, headers=staff_headers)
    assert refused.status_code == 409 and "Only 2" in refused.json()["detail"]

    rest = {
        "lines": [
            {"order_item_id": items[vase.id], "quantity": 1},
            {"order_item_id": items[cup.id], "quantity": 2},
        ],
        "amount": 500,
    }
    last = await client.post(url, json=rest, headers={**staff_headers, "Idempotency-Key": "a2"})
    assert last.status_code == 201 and last.json()["amount"] == 2250 + 1800 + 500
    assert await _stripe_refunds(emulator, order.stripe_payment_intent_id) == [4550, 3150]
    assert (await stock_of(session, vase.id), await stock_of(session, cup.id)) == (9, 3)
    await eventually(
        lambda: _refunded(session, arranged.session_id, arranged.total), what="Stripe's figure"
    )
    await emulator.settle()
    final = await order_for(session, arranged.session_id)
    assert final is not None and final.status is OrderStatus.REFUNDED

    await wait_for_outgoing_mail()
    mails = [m for m in outbox() if "refund" in m.subject.lower()]
    assert [m.to for m in mails] == [customer.email, customer.email]
    # Each refund's mail is sent by its own task after its commit: they may arrive in any order.
    first_mail = next(m for m in mails if "$31.50" in m.subject)
    assert "One of each came broken." in first_mail.body
    assert any("$45.50" in m.subject for m in mails)


async def test_cancelling_after_a_restocked_refund_returns_only_the_rest(
    client: httpx.AsyncClient,
    session: AsyncSession,
    customer: User,
    staff_headers: dict[str, str],
    make_product,
    make_paid_order: MakePaidOrder,
    emulator: Emulator,
) -> None:
    product = await make_product(price=1000, stock=6)
    order, _arranged = await make_paid_order(customer, [(product, 3)], shipping=0)
    assert await stock_of(session, product.id) == 3
    line = order.items[0].id
    refunded = await client.post(
        f"/api/v1/staff/orders/{order.id}/refunds",
        json={"lines": [{"order_item_id": line, "quantity": 1}], "restock": True},
        headers=staff_headers,
    )
    assert refunded.status_code == 201 and refunded.json()["amount"] == 1000
    assert await stock_of(session, product.id) == 4
    cancelled = await client.post(
        f"/api/v1/staff/orders/{order.id}/status",
        json={"status": "cancelled"},
        headers=staff_headers,
    )
    assert cancelled.status_code == 200, cancelled.text
    assert await stock_of(session, product.id) == 6  # 3 taken, 1 back by the refund, 2 now
    assert sorted(await _stripe_refunds(emulator, order.stripe_payment_intent_id)) == [1000, 2000]


async def test_the_customer_sees_paid_refunded_and_net(
    client: httpx.AsyncClient,
    session: AsyncSession,
    customer: User,
    staff_headers: dict[str, str],
    make_product,
    make_paid_order: MakePaidOrder,
    emulator: Emulator,
    listen: Listen,
) -> None:
    product = await make_product(price=3000, stock=5)
    order, arranged = await make_paid_order(customer, [(product, 2)], shipping=500)
    await listen()
    response = await client.post(
        f"/api/v1/staff/orders/{order.id}/refunds",
        json={"lines": [{"order_item_id": order.items[0].id, "quantity": 1}]},
        headers=staff_headers,
    )
    assert response.status_code == 201
    await eventually(lambda: _refunded(session, arranged.session_id, 3000), what="refund")
    await emulator.settle()
    await web_login(client, customer.email)
    page = (await client.get(f"/account/orders/{order.id}")).text
    total = page.index('id="order-total"')
    assert total < page.index('id="order-paid"') < page.index('id="order-refunded"')
    assert "$65.00" in page[total : total + 40]
    assert "−$30.00" in page and "$35.00" in page[page.index('id="order-net"') :][:40]
    listing = (await client.get("/account")).text
    assert "$30.00 refunded" in listing
