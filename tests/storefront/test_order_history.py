"""The customer's order page shows status changes and refunds, never staff-only history."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from storefront.helpers import web_login
from vitrina.accounts.models import User
from vitrina.kit.clock import utcnow
from vitrina.orders.models import Order, OrderEvent, OrderItem, OrderStatus


def entry(kind: str, note: str, **fields: object) -> OrderEvent:
    return OrderEvent(kind=kind, note=note, created_at=utcnow(), **fields)


async def test_staff_history_stays_out_of_the_customers_page(
    client: httpx.AsyncClient, session: AsyncSession, customer: User, staff: User
) -> None:
    order = Order(
        user_id=customer.id,
        status=OrderStatus.PAID,
        email=customer.email,
        currency="usd",
        subtotal=20_00,
        total=20_00,
        amount_charged=20_00,
        amount_refunded=5_00,
        stripe_session_id="cs_test_history",
        paid_at=utcnow(),
    )
    order.items = [OrderItem(name="Teapot", unit_price=20_00, quantity=1, line_total=20_00)]
    order.events = [
        entry("created", "Order created.", to_status="paid"),
        entry("flagged", "Secret: amount differs"),
        entry("stock_shortfall", "Secret: stock short"),
        entry("review_resolved", "Secret: staff note", actor_id=staff.id),
        entry("refund_requested", "Secret: refund asked", actor_id=staff.id),
        entry("refunded", "Stripe refunded 500.", data={"amount": 5_00}),
    ]
    session.add(order)
    await session.commit()

    client.cookies.set("lang", "ru")
    await web_login(client, customer.email)
    page = await client.get(f"/account/orders/{order.id}")
    assert page.status_code == 200
    assert "Secret" not in page.text
    for internal in ("flagged", "stock shortfall", "review resolved", "refund requested"):
        assert internal not in page.text
    assert "Возвращено 5,00\xa0$" in page.text
