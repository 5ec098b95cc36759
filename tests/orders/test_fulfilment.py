"""One paid Checkout Session becomes one order, by webhook or by the success URL."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orders.conftest import (
    ArrangeCheckout,
    Emulator,
    count_orders,
    eventually,
    order_for,
    stock_of,
)
from vitrina.accounts.models import User
from vitrina.basket.models import (
    Basket,
    BasketItem,
    CheckoutSession,
    CheckoutStatus,
    StockReservation,
)
from vitrina.coupons.models import CouponRedemption, DiscountCoupon
from vitrina.mail import outbox
from vitrina.orders.models import OrderEvent, OrderStatus, WebhookEvent
from vitrina.orders.notifications import wait_for_outgoing_mail
from vitrina.payments.fulfilment import fulfil_checkout_session


async def test_webhook_creates_the_order_from_the_snapshot(
    session: AsyncSession,
    customer: User,
    make_product,
    make_coupon,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
    webhook_endpoint: str,
) -> None:
    tea = await make_product(name="Green tea", price=1250, stock=10)
    cup = await make_product(name="Cup", price=999, stock=3)
    coupon = await make_coupon(discount="15")
    arranged = await arrange_checkout(customer, [(tea, 2), (cup, 1)], coupon=coupon, shipping=500)

    await emulator.complete(arranged.session_id, "paid")
    await eventually(
        lambda: _has_order(session, arranged.session_id), what="the webhook to create the order"
    )
    await emulator.settle()

    order = await order_for(session, arranged.session_id)
    assert order is not None
    subtotal = 2 * 1250 + 999
    discount = round(subtotal * 0.15)  # 524.85 -> 525, half up
    assert (order.subtotal, order.discount, order.shipping) == (subtotal, 525, 500)
    assert order.total == order.amount_charged == subtotal - discount + 500 == arranged.total
    assert order.status is OrderStatus.PAID and order.paid_at is not None
    assert order.coupon_code == coupon.number and order.email == customer.email
    assert order.stripe_payment_intent_id and order.stripe_payment_intent_id.startswith("pi_")
    assert order.shipping_address is not None and order.shipping_address["country"] == "US"
    assert not order.needs_review
    items = (await session.execute(select(OrderEvent).where(OrderEvent.order_id == order.id))).all()
    assert len(items) == 1
    assert (await stock_of(session, tea.id), await stock_of(session, cup.id)) == (8, 2)
    basket = await session.get(Basket, arranged.basket_id, populate_existing=True)
    assert basket is not None and basket.unique_code is None and basket.session_id is None
    assert await session.scalar(select(func.count()).select_from(BasketItem)) == 0
    assert await session.scalar(select(func.count()).select_from(StockReservation)) == 0
    checkout = await session.get(CheckoutSession, arranged.session_id, populate_existing=True)
    assert checkout is not None and checkout.status is CheckoutStatus.COMPLETE
    stored = await session.get(DiscountCoupon, coupon.id, populate_existing=True)
    assert stored is not None and stored.times_redeemed == 1
    assert await session.scalar(select(func.count()).select_from(CouponRedemption)) == 1
    inbox = (await session.execute(select(WebhookEvent))).scalars().all()
    assert inbox and all(row.handled_at is not None for row in inbox)

    await wait_for_outgoing_mail()
    mails = [m for m in outbox() if m.to == customer.email]
    assert len(mails) == 1
    assert f"order #{order.id}" in mails[0].subject and "Green tea" in mails[0].body


async def _has_order(session: AsyncSession, stripe_session_id: str) -> bool:
    return await count_orders(session, stripe_session_id) == 1


async def test_success_url_creates_the_order_without_a_webhook(
    client: httpx.AsyncClient,
    session: AsyncSession,
    customer: User,
    auth_headers: Callable[[User], dict[str, str]],
    make_product,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
) -> None:
    product = await make_product(price=4000, stock=2)
    arranged = await arrange_checkout(customer, [(product, 2)], shipping=0)
    headers = auth_headers(customer)

    early = await client.get(
        "/api/v1/checkout/success", params=arranged.success_params, headers=headers
    )
    assert early.status_code == 409, early.text

    await emulator.complete(arranged.session_id, "paid")
    first = await client.get(
        "/api/v1/checkout/success", params=arranged.success_params, headers=headers
    )
    again = await client.get(
        "/api/v1/checkout/success", params=arranged.success_params, headers=headers
    )
    assert first.status_code == again.status_code == 200, first.text
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["total"] == 8000 and first.json()["status"] == "paid"
    assert first.json()["items"] == [
        {
            "product_id": product.id,
            "variant_id": product.id,  # its only variant (made with it: same id on a fresh run)
            "sku": None,
            "options": None,
            "name": product.name,
            "unit_price": 4000,
            "quantity": 2,
            "line_total": 8000,
        }
    ]
    assert await count_orders(session) == 1
    assert await stock_of(session, product.id) == 0
    await wait_for_outgoing_mail()
    assert len([m for m in outbox() if m.to == customer.email]) == 1


async def test_success_url_refuses_a_wrong_code_or_someone_else(
    client: httpx.AsyncClient,
    session: AsyncSession,
    customer: User,
    make_user,
    auth_headers: Callable[[User], dict[str, str]],
    make_product,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
) -> None:
    product = await make_product(price=1000, stock=5)
    arranged = await arrange_checkout(customer, [(product, 1)])
    await emulator.complete(arranged.session_id, "paid")
    stranger = await make_user()

    wrong_code = await client.get(
        "/api/v1/checkout/success",
        params={"session_id": arranged.session_id, "code": "0" * 32},
        headers=auth_headers(customer),
    )
    not_theirs = await client.get(
        "/api/v1/checkout/success", params=arranged.success_params, headers=auth_headers(stranger)
    )
    anonymous = await client.get("/api/v1/checkout/success", params=arranged.success_params)
    assert (wrong_code.status_code, not_theirs.status_code) == (404, 404)
    assert anonymous.status_code == 401
    assert await count_orders(session) == 0
    assert await stock_of(session, product.id) == 5


async def test_amount_mismatch_creates_a_flagged_order(
    client: httpx.AsyncClient,
    session: AsyncSession,
    customer: User,
    staff_headers: dict[str, str],
    make_product,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
) -> None:
    product = await make_product(price=3000, stock=4)
    arranged = await arrange_checkout(
        customer, [(product, 1)], shipping=0, amount_total_override=2900
    )
    await emulator.complete(arranged.session_id, "paid")

    order = await fulfil_checkout_session(session, arranged.session_id)
    await session.commit()

    assert order is not None and order.needs_review
    assert order.review_reason and "3000" in order.review_reason and "2900" in order.review_reason
    flagged = await client.get(
        "/api/v1/staff/orders", params={"flagged": "true"}, headers=staff_headers
    )
    assert [o["id"] for o in flagged.json()["items"]] == [order.id]
    assert flagged.json()["items"][0]["review_reason"] == order.review_reason
    detail = await client.get(f"/api/v1/staff/orders/{order.id}", headers=staff_headers)
    events = [(e["kind"], e["note"]) for e in detail.json()["events"]]
    assert events[-1] == ("flagged", order.review_reason)
    assert order.amount_charged == 3000 and order.total == 2900


async def test_fulfil_is_a_no_op_for_an_open_session(
    session: AsyncSession,
    customer: User,
    make_product,
    arrange_checkout: ArrangeCheckout,
) -> None:
    product = await make_product(price=1000, stock=5)
    arranged = await arrange_checkout(customer, [(product, 1)])
    assert await fulfil_checkout_session(session, arranged.session_id) is None
    await session.commit()
    assert await count_orders(session) == 0
    assert await stock_of(session, product.id) == 5


@pytest.mark.parametrize(
    "params", [{"session_id": "cs_\x00x", "code": "abc"}, {"session_id": "cs_x", "code": "a-b"}]
)
async def test_a_malformed_success_return_is_a_validation_error(
    client: httpx.AsyncClient, make_user, auth_headers, params: dict[str, str]
) -> None:
    user = await make_user()
    response = await client.get(
        "/api/v1/checkout/success", params=params, headers=auth_headers(user)
    )
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)  # the documented validation error
