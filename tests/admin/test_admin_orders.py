"""Orders in the admin: details with items and history, status actions through the service."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from admin.helpers import admin_login
from vitrina.accounts.models import User
from vitrina.audit.models import AuditEntry
from vitrina.kit.clock import utcnow
from vitrina.orders.models import Order, OrderEvent, OrderItem, OrderStatus


async def paid_order(session: AsyncSession, customer: User) -> Order:
    order = Order(
        user_id=customer.id,
        status=OrderStatus.PAID,
        email=customer.email,
        currency="usd",
        subtotal=36_00,
        total=36_00,
        amount_charged=36_00,
        stripe_session_id="cs_test_admin_orders",
        needs_review=True,
        review_reason="Charged amount differs from the basket total.",
        paid_at=utcnow(),
    )
    order.items = [OrderItem(name="Stoneware mug", unit_price=18_00, quantity=2, line_total=36_00)]
    order.events = []
    session.add(order)
    await session.commit()
    return order


async def test_order_details_and_status_actions(
    client: httpx.AsyncClient, staff: User, customer: User, session: AsyncSession
) -> None:
    order = await paid_order(session, customer)
    await admin_login(client, staff)

    dashboard = await client.get("/admin/")
    assert dashboard.status_code == 200
    for card in ("to-process", "review"):
        assert re.search(rf'id="card-{card}".*?<div class="h1 mb-0">1</div>', dashboard.text, re.S)
    listed = await client.get("/admin/order/list", params={"needs_review": "true"})
    assert listed.status_code == 200 and customer.email in listed.text
    details = await client.get(f"/admin/order/details/{order.id}")
    assert details.status_code == 200
    assert "2 × Stoneware mug" in details.text
    assert "Charged amount differs" in details.text

    moved = await client.get(f"/admin/order/action/processing?pks={order.id}")
    assert moved.status_code == 302
    current = await session.get(Order, order.id, populate_existing=True)
    assert current is not None and current.status is OrderStatus.PROCESSING
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "Order"))
    assert entry is not None and entry.action == "status:processing"
    assert (entry.before, entry.after) == ({"status": "paid"}, {"status": "processing"})
    history = await client.get(f"/admin/order/details/{order.id}")
    assert "paid→processing" in history.text

    refused = await client.get(f"/admin/order/action/delivered?pks={order.id}")
    assert refused.status_code == 302
    after = await client.get(refused.headers["location"])
    assert "cannot become delivered" in after.text
    current = await session.get(Order, order.id, populate_existing=True)
    assert current is not None and current.status is OrderStatus.PROCESSING


async def test_review_is_resolved_with_a_note_through_the_service(
    client: httpx.AsyncClient, staff: User, customer: User, session: AsyncSession
) -> None:
    order = await paid_order(session, customer)
    await admin_login(client, staff)

    started = await client.get(f"/admin/order/action/resolve-review?pks={order.id}")
    assert started.status_code == 302
    form_url = started.headers["location"]
    page = await client.get(form_url)
    assert page.status_code == 200
    assert "Charged amount differs from the basket total." in page.text

    blank = await client.post(form_url, data={"note": "  "})
    assert blank.status_code == 400 and 'id="review-error"' in blank.text
    resolved = await client.post(form_url, data={"note": "Customer paid the difference."})
    assert resolved.status_code == 302
    details = await client.get(resolved.headers["location"])
    assert "review_resolved" in details.text and "Customer paid the difference." in details.text

    current = await session.get(Order, order.id, populate_existing=True)
    assert current is not None and current.needs_review is False and current.review_reason is None
    event = await session.scalar(select(OrderEvent).where(OrderEvent.order_id == order.id))
    assert event is not None and event.kind == "review_resolved"
    assert (event.actor_id, event.note) == (staff.id, "Customer paid the difference.")
    assert event.data == {"review_reason": "Charged amount differs from the basket total."}
    listed = await client.get("/admin/order/list", params={"needs_review": "true"})
    assert customer.email not in listed.text

    twice = await client.post(form_url, data={"note": "Again."})
    assert twice.status_code == 409 and "not flagged for review" in twice.text
