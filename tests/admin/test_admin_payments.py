"""A purchase over plain HTTP (no JavaScript), then staff refund it and retry a Stripe sync."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from admin.helpers import admin_login, admin_post
from orders.conftest import eventually
from storefront.helpers import csrf_from, web_login
from vitrina.accounts.models import User
from vitrina.audit.models import AuditEntry
from vitrina.catalog.models import Product
from vitrina.mail import outbox
from vitrina.orders.models import Order, OrderEvent, OrderStatus
from vitrina.orders.notifications import wait_for_outgoing_mail

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
    """The whole purchase over HTTP, then a refund of the rest from the order page."""
    product = await make_product(name="Copper kettle", price=40_00, stock=3)
    await buy(client, product, customer)
    order = await session.scalar(select(Order))
    assert order is not None and order.status is OrderStatus.PAID and order.total == 80_00

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as desk:
        await admin_login(desk, staff)
        form = await desk.get(f"/admin/order/{order.id}/refund")
        token = re.search(r'name="token" value="(\w+)"', form.text)
        assert form.status_code == 200 and token
        body = {"token": token.group(1), "amount": "80.00", "reason": "requested_by_customer"}
        sent = await admin_post(desk, f"/admin/order/{order.id}/refund", body)
        assert sent.status_code == 303

    events = (
        await session.scalars(select(OrderEvent).where(OrderEvent.kind == "refund_requested"))
    ).all()
    assert [(e.actor_id, (e.data or {}).get("amount")) for e in events] == [(staff.id, 80_00)]
    audit = await session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "OrderRefund"))
    assert audit is not None and audit.actor_id == staff.id and audit.action == "create"
    assert audit.after is not None and audit.after["amount"] == 80_00


async def test_stripe_sync_retry_marks_the_row_again(
    client: httpx.AsyncClient, make_product, staff: User, session: AsyncSession
) -> None:
    product = await make_product(name="Sieve")
    version = product.sync_version
    await admin_login(client, staff)
    listed = await client.get("/admin/product-sync/list")
    assert listed.status_code == 200 and "Sieve" in listed.text
    retried = await admin_post(client, f"/admin/product-sync/action/retry?pks={product.id}")
    assert retried.status_code == 302
    current = await session.get(Product, product.id, populate_existing=True)
    assert current is not None and current.sync_version == version + 1
    assert current.sync_attempts == 0 and current.sync_error is None
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "sync:retry"))
    assert entry is not None and entry.after == {"sync_version": version + 1}


async def test_partial_refund_by_lines_from_the_form_double_submitted(
    client: httpx.AsyncClient,
    make_product,
    customer: User,
    staff: User,
    session: AsyncSession,
    make_paid_order,
    emulator,
    listen,
) -> None:
    """Two lines, refund one of each with restock; the form sent twice is one Stripe refund;
    the customer is mailed; the order page then shows paid, refunded and net."""
    plate = await make_product(name="Plate", price=12_00, stock=10)
    bowl = await make_product(name="Bowl", price=8_00, stock=10)
    order, arranged = await make_paid_order(customer, [(plate, 2), (bowl, 3)], shipping=500)
    await listen()
    items = {item.product_id: item.id for item in order.items}
    await admin_login(client, staff)
    form = await client.get(f"/admin/order/{order.id}/refund")
    token = re.search(r'name="token" value="(\w+)"', form.text)
    assert token is not None
    body = {
        "token": token.group(1),
        f"qty-{items[plate.id]}": "1",
        f"qty-{items[bowl.id]}": "2",
        "amount": "",
        "reason": "requested_by_customer",
        "restock": "on",
        "note": "Sorry about the chips.",
    }
    first = await admin_post(client, f"/admin/order/{order.id}/refund", body)
    second = await admin_post(client, f"/admin/order/{order.id}/refund", body)
    assert first.status_code == second.status_code == 303
    shown = await client.get(second.headers["location"])
    assert "already been sent" in shown.text
    stripe_refunds = await emulator.stripe.v1.refunds.list_async(
        {"payment_intent": order.stripe_payment_intent_id}
    )
    assert [r.amount for r in stripe_refunds.data] == [12_00 + 16_00]
    assert (
        await session.scalar(select(Product.stock).where(Product.id == plate.id)),
        await session.scalar(select(Product.stock).where(Product.id == bowl.id)),
    ) == (9, 9)

    too_many = {**body, "token": "b" * 32, f"qty-{items[bowl.id]}": "5"}
    refused = await admin_post(client, f"/admin/order/{order.id}/refund", too_many)
    assert refused.status_code == 409 and "Only 1 of" in refused.text
    bad = {"token": "c" * 32, "amount": "twelve"}
    assert (await admin_post(client, f"/admin/order/{order.id}/refund", bad)).status_code == 422

    async def confirmed() -> bool:
        current = await session.get(Order, order.id, populate_existing=True)
        return current is not None and current.amount_refunded == 28_00

    await eventually(confirmed, what="charge.refunded")
    await emulator.settle()
    page = (await client.get(f"/admin/order/details/{order.id}")).text
    total = arranged.total
    assert f"${total / 100:,.2f}" in page.split('id="paid"')[1][:40]
    assert "−$28.00" in page.split('id="refunded"')[1][:40]
    assert f"${(total - 28_00) / 100:,.2f}" in page.split('id="net"')[1][:40]
    await wait_for_outgoing_mail()
    mails = [m for m in outbox() if m.to == customer.email and "refund" in m.subject.lower()]
    assert len(mails) == 1 and "Sorry about the chips." in mails[0].body
