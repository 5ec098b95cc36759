"""Orders as an owner works them: filters, the order page, allowed transitions, notes, review,
packing slip and invoice; every change through the orders services, audited."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from admin.helpers import admin_login, admin_post
from vitrina.accounts.models import User
from vitrina.audit.models import AuditEntry
from vitrina.kit.clock import utcnow
from vitrina.orders.models import Order, OrderEvent, OrderItem, OrderStatus

ADDRESS = {
    "name": "Anna Petrova",
    "line1": "Nevsky prospekt 1",
    "line2": None,
    "city": "Saint Petersburg",
    "postal_code": "191186",
    "state": None,
    "country": "RU",
}


async def paid_order(
    session: AsyncSession, customer: User, *, session_id: str = "cs_test_admin_orders", **fields
) -> Order:
    values = {
        "user_id": customer.id,
        "status": OrderStatus.PAID,
        "email": customer.email,
        "currency": "usd",
        "subtotal": 114_600,
        "total": 114_600,
        "amount_charged": 114_600,
        "stripe_session_id": session_id,
        "needs_review": True,
        "review_reason": "Charged amount differs from the basket total.",
        "paid_at": utcnow(),
        "shipping_address": ADDRESS,
    }
    order = Order(**{**values, **fields})
    order.items = [
        OrderItem(name="Stoneware mug", unit_price=57_300, quantity=2, line_total=114_600)
    ]
    order.events = []
    session.add(order)
    await session.commit()
    return order


async def test_order_page_reads_like_an_order(
    client: httpx.AsyncClient, staff: User, customer: User, session: AsyncSession
) -> None:
    order = await paid_order(session, customer)
    await admin_login(client, staff)

    dashboard = await client.get("/admin/")
    assert dashboard.status_code == 200
    for card in ("to-process", "review"):
        assert re.search(rf'id="card-{card}".*?<div class="h1 mb-0">1</div>', dashboard.text, re.S)
    assert 'id="chart-sales"' in dashboard.text and "<svg" in dashboard.text

    page = (await client.get(f"/admin/order/details/{order.id}")).text
    assert "$1,146.00" in page and "114600" not in page
    assert "Anna Petrova<br>Nevsky prospekt 1<br>191186<br>Saint Petersburg<br>Russia" in page
    assert "None" not in page.split('id="shipping-address"')[1][:200]
    assert f'href="http://testserver/admin/user/details/{customer.id}"' in page
    assert customer.email in page and "Charged amount differs" in page
    offered = set(re.findall(r'name="status" value="(\w+)"', page))
    assert offered == {"processing", "cancelled"}
    client.cookies.set("lang", "ru")
    russian = (await client.get(f"/admin/order/details/{order.id}")).text
    assert "1\xa0146,00\xa0$" in russian and "Россия" in russian and "Взять в работу" in russian


async def test_status_moves_only_along_the_state_machine(
    client: httpx.AsyncClient, staff: User, customer: User, session: AsyncSession
) -> None:
    order = await paid_order(session, customer)
    await admin_login(client, staff)
    url = f"/admin/order/{order.id}/status"
    assert (await client.get(url)).status_code == 405
    moved = await admin_post(client, url, {"status": "processing"})
    assert moved.status_code == 303
    current = await session.get(Order, order.id, populate_existing=True)
    assert current is not None and current.status is OrderStatus.PROCESSING
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "Order"))
    assert entry is not None and entry.action == "status:processing" and entry.actor_id == staff.id
    assert (entry.before, entry.after) == ({"status": "paid"}, {"status": "processing"})

    refused = await admin_post(client, url, {"status": "delivered"}, follow_redirects=True)
    assert "cannot become delivered" in refused.text
    junk = await admin_post(client, url, {"status": "teleported"}, follow_redirects=True)
    assert junk.status_code == 200
    current = await session.get(Order, order.id, populate_existing=True)
    assert current is not None and current.status is OrderStatus.PROCESSING
    page = (await client.get(f"/admin/order/details/{order.id}")).text
    assert set(re.findall(r'name="status" value="(\w+)"', page)) == {"shipped", "cancelled"}
    assert "Paid → Processing" in page


async def test_notes_review_filters_and_prints(
    client: httpx.AsyncClient, staff: User, customer: User, make_user, session: AsyncSession
) -> None:
    order = await paid_order(session, customer)
    other = await paid_order(
        session, await make_user(email="zed@example.com"), session_id="cs_other", needs_review=False
    )
    await admin_login(client, staff)

    noted = await admin_post(client, f"/admin/order/{order.id}/note", {"note": "Call first."})
    assert noted.status_code == 303
    empty = await admin_post(
        client, f"/admin/order/{order.id}/note", {"note": "  "}, follow_redirects=True
    )
    assert "Write the note first." in empty.text
    event = await session.scalar(select(OrderEvent).where(OrderEvent.kind == "note"))
    assert event is not None and (event.actor_id, event.note) == (staff.id, "Call first.")

    form_url = f"/admin/order/review/{order.id}"
    blank = await admin_post(client, form_url, {"note": "  "})
    assert blank.status_code == 400 and 'id="review-error"' in blank.text
    resolved = await admin_post(client, form_url, {"note": "Customer paid the difference."})
    assert resolved.status_code == 303
    again = await admin_post(client, form_url, {"note": "Again."})
    assert again.status_code == 409 and "not flagged for review" in again.text

    async def listed(**params: str) -> set[int]:
        page = await client.get("/admin/order/list", params=params)
        assert page.status_code == 200
        return {int(n) for n in re.findall(r'class="order-link">#(\d+)<', page.text)}

    assert await listed() == {order.id, other.id}
    assert await listed(customer="ZED") == {other.id}
    assert await listed(status="paid", min="1146", max="1,146.00") == {order.id, other.id}
    assert await listed(min="1146.01") == set()
    assert await listed(needs_review="1") == set()
    today = utcnow().date().isoformat()
    assert await listed(**{"from": today, "to": today}) == {order.id, other.id}
    assert await listed(**{"from": "2000-01-01", "to": "2000-01-02"}) == set()
    odd = await client.get("/admin/order/list", params={"from": "yesterday", "min": "lots"})
    assert odd.status_code == 200 and "a wrong date was ignored" in odd.text

    slip = await client.get(f"/admin/order/{order.id}/packing-slip")
    assert slip.status_code == 200 and "Stoneware mug" in slip.text and "$" not in slip.text
    pdf = await client.get(f"/admin/order/{order.id}/invoice.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 2000
    assert (await client.get("/admin/order/details/99999999999")).status_code == 404
