"""A purchase over plain HTTP (no JavaScript), then staff refund it and retry a Stripe sync."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from admin.helpers import admin_login
from storefront.helpers import csrf_from, web_login
from vitrina.accounts.models import User
from vitrina.audit.models import AuditEntry
from vitrina.catalog.models import Product
from vitrina.orders.models import Order, OrderEvent, OrderStatus

SHIPPING = {
    "shipping_name": "Anna Petrova",
    "shipping_line1": "Nevsky prospekt 1",
    "shipping_city": "Saint Petersburg",
    "shipping_postal_code": "191186",
    "shipping_country": "RU",
}


async def buy(client: httpx.AsyncClient, product: Product, customer: User) -> str:
    """Basket, checkout, pay on the emulator's page, return through the success URL."""
    await web_login(client, customer.email)
    page = await client.get(f"/product/{product.slug}")
    token = csrf_from(page.text)
    added = await client.post(
        "/basket/items",
        data={"product_id": product.id, "quantity": 2, "next": "/basket", "csrf_token": token},
    )
    assert added.status_code == 303
    checkout = await client.post("/checkout", data={"csrf_token": token})
    assert checkout.status_code == 303, checkout.text[:1000]
    pay_url = checkout.headers["location"]
    async with httpx.AsyncClient() as stripe_page:
        paid = await stripe_page.post(pay_url, data={**SHIPPING, "card_number": "4242424242424242"})
    assert paid.status_code == 303, paid.text[:2000]
    success = paid.headers["location"]
    assert success.startswith("http://testserver/checkout/success?code=")
    shown = await client.get(success.removeprefix("http://testserver"))
    assert shown.status_code == 200 and 'id="order-number"' in shown.text
    return shown.text


async def test_staff_refund_a_paid_order(
    client: httpx.AsyncClient,
    make_product,
    customer: User,
    staff: User,
    session: AsyncSession,
    app,
) -> None:
    product = await make_product(name="Copper kettle", price=40_00, stock=3)
    await buy(client, product, customer)
    order = await session.scalar(select(Order))
    assert order is not None and order.status is OrderStatus.PAID and order.total == 80_00

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as desk:
        await admin_login(desk, staff)
        refunded = await desk.get(f"/admin/order/action/refund?pks={order.id}")
        assert refunded.status_code == 302
        again = await desk.get(f"/admin/order/action/refund?pks={order.id}")
        assert again.status_code == 302

    events = (
        await session.scalars(select(OrderEvent).where(OrderEvent.kind == "refund_requested"))
    ).all()
    assert events and all(e.actor_id == staff.id for e in events)
    refunds = {(e.data or {}).get("refund_id") for e in events}
    assert len(refunds) == 1  # a double click is the same refund in Stripe, not a second one
    assert events[0].data is not None and events[0].data["amount"] == 80_00
    audit = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "refund"))).all()
    assert len(audit) >= 1 and audit[0].after is not None
    assert audit[0].after["amount"] == 80_00


async def test_stripe_sync_retry_marks_the_row_again(
    client: httpx.AsyncClient, make_product, staff: User, session: AsyncSession
) -> None:
    product = await make_product(name="Sieve")
    version = product.sync_version
    await admin_login(client, staff)
    listed = await client.get("/admin/product-sync/list")
    assert listed.status_code == 200 and "Sieve" in listed.text
    retried = await client.get(f"/admin/product-sync/action/retry?pks={product.id}")
    assert retried.status_code == 302
    current = await session.get(Product, product.id, populate_existing=True)
    assert current is not None and current.sync_version == version + 1
    assert current.sync_attempts == 0 and current.sync_error is None
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "sync:retry"))
    assert entry is not None and entry.after == {"sync_version": version + 1}
