"""Whatever arrives twice, at once, late or forged: exactly one order, counted once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orders.conftest import (
    ArrangeCheckout,
    Emulator,
    Listen,
    count_orders,
    eventually,
    order_for,
    post_event,
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
from vitrina.orders.models import OrderStatus, WebhookEvent
from vitrina.orders.notifications import wait_for_outgoing_mail


async def test_ten_concurrent_deliveries_and_five_returns_make_one_order(
    client: httpx.AsyncClient,
    session: AsyncSession,
    customer: User,
    auth_headers: Callable[[User], dict[str, str]],
    make_product,
    make_coupon,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
    webhook_endpoint: str,
) -> None:
    product = await make_product(price=2000, stock=10)
    coupon = await make_coupon(discount="10", max_redemptions=5)
    arranged = await arrange_checkout(customer, [(product, 3)], coupon=coupon)
    headers = auth_headers(customer)

    await emulator.complete(arranged.session_id, "paid")
    completed = await emulator.event("checkout.session.completed", arranged.session_id)
    results = await asyncio.gather(
        emulator.deliver(completed.id, times=10, concurrent=True),
        *(
            client.get("/api/v1/checkout/success", params=arranged.success_params, headers=headers)
            for _ in range(5)
        ),
    )
    deliveries, *returns = results
    assert [d["status"] for d in deliveries] == [200] * 10
    assert {r.status_code for r in returns} == {200}
    order_ids = {r.json()["id"] for r in returns}
    assert len(order_ids) == 1
    await emulator.settle()

    assert await count_orders(session) == 1
    assert await stock_of(session, product.id) == 7
    stored = await session.get(DiscountCoupon, coupon.id, populate_existing=True)
    assert stored is not None and stored.times_redeemed == 1
    assert await session.scalar(select(func.count()).select_from(CouponRedemption)) == 1
    rows = (
        await session.execute(select(WebhookEvent).where(WebhookEvent.external_id == completed.id))
    ).scalars()
    assert [r.handled_at is not None for r in rows] == [True]
    await wait_for_outgoing_mail()
    assert len([m for m in outbox() if m.to == customer.email]) == 1


async def test_stale_signature_is_refused_and_changes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    customer: User,
    make_product,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
    webhook_secret: str,
) -> None:
    product = await make_product(price=1500, stock=4)
    arranged = await arrange_checkout(customer, [(product, 1)])
    await emulator.complete(arranged.session_id, "paid")
    event = (await emulator.event("checkout.session.completed", arranged.session_id)).to_dict()

    stale = await post_event(client, event, webhook_secret, age=301)
    forged = await post_event(client, event, "whsec_someone_else")
    unsigned = await client.post("/api/v1/stripe/webhook", content=b"{}")
    assert (stale.status_code, forged.status_code, unsigned.status_code) == (400, 400, 400)
    assert await count_orders(session) == 0
    assert await session.scalar(select(func.count()).select_from(WebhookEvent)) == 0
    assert await stock_of(session, product.id) == 4

    fresh = await post_event(client, event, webhook_secret)
    replay = await post_event(client, event, webhook_secret)
    assert fresh.status_code == replay.status_code == 200
    assert (fresh.json()["outcome"], replay.json()["outcome"]) == ("handled", "already_handled")
    assert await count_orders(session) == 1
    assert await stock_of(session, product.id) == 3


async def test_emulator_stale_delivery_is_refused(
    session: AsyncSession,
    customer: User,
    make_product,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
    listen: Listen,
) -> None:
    product = await make_product(price=1500, stock=4)
    arranged = await arrange_checkout(customer, [(product, 1)])
    await emulator.complete(arranged.session_id, "paid")  # no endpoint yet: nothing delivered
    event = await emulator.event("checkout.session.completed", arranged.session_id)
    await listen()

    stale = await emulator.deliver(event.id, stale=True)
    assert [d["status"] for d in stale] == [400]
    assert await count_orders(session) == 0
    duplicated = await emulator.deliver(event.id, times=3)
    assert [d["status"] for d in duplicated] == [200, 200, 200]
    assert await count_orders(session) == 1
    assert await stock_of(session, product.id) == 3


async def test_async_success_before_completed(
    session: AsyncSession,
    customer: User,
    make_product,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
    webhook_endpoint: str,
) -> None:
    product = await make_product(price=1000, stock=5)
    arranged = await arrange_checkout(customer, [(product, 2)])
    await emulator.complete(arranged.session_id, "async_succeeded")
    await emulator.settle()
    # The emulator delivered both events in the background, in whatever order; now replay
    # them the other way round and twice: the order stays one paid order.
    succeeded = await emulator.event(
        "checkout.session.async_payment_succeeded", arranged.session_id
    )
    completed = await emulator.event("checkout.session.completed", arranged.session_id)
    await emulator.deliver(succeeded.id, times=2)
    await emulator.deliver(completed.id, times=2)

    order = await order_for(session, arranged.session_id)
    assert order is not None and order.status is OrderStatus.PAID
    assert order.amount_charged == arranged.total
    assert await count_orders(session) == 1
    assert await stock_of(session, product.id) == 3


async def test_success_event_alone_creates_a_paid_order(
    session: AsyncSession,
    customer: User,
    make_product,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
    listen: Listen,
) -> None:
    """async_payment_succeeded delivered before checkout.session.completed ever arrives."""
    product = await make_product(price=1000, stock=5)
    arranged = await arrange_checkout(customer, [(product, 1)])
    await emulator.complete(arranged.session_id, "async_succeeded")  # no endpoint yet
    succeeded = await emulator.event(
        "checkout.session.async_payment_succeeded", arranged.session_id
    )
    completed = await emulator.event("checkout.session.completed", arranged.session_id)
    await listen()
    assert [d["status"] for d in await emulator.deliver(succeeded.id)] == [200]
    order = await order_for(session, arranged.session_id)
    assert order is not None and order.status is OrderStatus.PAID
    assert [d["status"] for d in await emulator.deliver(completed.id)] == [200]
    order = await order_for(session, arranged.session_id)
    assert order is not None and order.status is OrderStatus.PAID
    assert await count_orders(session) == 1
    assert await stock_of(session, product.id) == 4


async def test_unpaid_then_async_failure_returns_stock_once(
    session: AsyncSession,
    customer: User,
    make_product,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
    webhook_endpoint: str,
) -> None:
    product = await make_product(price=1000, stock=5)
    arranged = await arrange_checkout(customer, [(product, 2)])
    await emulator.complete(arranged.session_id, "unpaid")
    await eventually(lambda: _has_order(session, arranged.session_id), what="awaiting order")
    order = await order_for(session, arranged.session_id)
    assert order is not None and order.status is OrderStatus.AWAITING_PAYMENT
    assert order.amount_charged == 0
    assert await stock_of(session, product.id) == 3  # goods held while the payment clears

    await emulator.complete(arranged.session_id, "async_failed")
    await emulator.settle()
    failed = await emulator.event("checkout.session.async_payment_failed", arranged.session_id)
    await emulator.deliver(failed.id, times=3, concurrent=True)
    completed = await emulator.event("checkout.session.completed", arranged.session_id)
    await emulator.deliver(completed.id)

    order = await order_for(session, arranged.session_id)
    assert order is not None and order.status is OrderStatus.CANCELLED
    assert await stock_of(session, product.id) == 5
    assert await count_orders(session) == 1


async def test_unpaid_then_async_success_marks_paid(
    session: AsyncSession,
    customer: User,
    make_product,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
    webhook_endpoint: str,
) -> None:
    product = await make_product(price=1000, stock=5)
    arranged = await arrange_checkout(customer, [(product, 1)])
    await emulator.complete(arranged.session_id, "unpaid")
    await eventually(lambda: _has_order(session, arranged.session_id), what="awaiting order")
    await emulator.complete(arranged.session_id, "async_succeeded")

    async def paid() -> bool:
        order = await order_for(session, arranged.session_id)
        return order is not None and order.status is OrderStatus.PAID

    await eventually(paid, what="the order to be paid")
    await emulator.settle()
    order = await order_for(session, arranged.session_id)
    assert order is not None and order.amount_charged == arranged.total
    assert await stock_of(session, product.id) == 4


async def test_expired_session_releases_reservations_and_keeps_the_basket(
    session: AsyncSession,
    customer: User,
    make_product,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
    webhook_endpoint: str,
) -> None:
    product = await make_product(price=1000, stock=5)
    arranged = await arrange_checkout(customer, [(product, 2)])
    await emulator.advance_clock(25 * 3600)

    async def expired() -> bool:
        checkout = await session.get(CheckoutSession, arranged.session_id, populate_existing=True)
        return checkout is not None and checkout.status is CheckoutStatus.EXPIRED

    await eventually(expired, what="the session to expire")
    await emulator.settle()
    assert await session.scalar(select(func.count()).select_from(StockReservation)) == 0
    basket = await session.get(Basket, arranged.basket_id, populate_existing=True)
    assert basket is not None and basket.unique_code == arranged.code
    assert await session.scalar(select(func.count()).select_from(BasketItem)) == 1
    assert await stock_of(session, product.id) == 5
    assert await count_orders(session) == 0


async def test_expired_after_completed_changes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    customer: User,
    make_product,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
    webhook_endpoint: str,
) -> None:
    product = await make_product(price=1000, stock=5)
    arranged = await arrange_checkout(customer, [(product, 2)])
    await emulator.complete(arranged.session_id, "paid")
    await eventually(lambda: _has_order(session, arranged.session_id), what="the order")
    completed = await emulator.event("checkout.session.completed", arranged.session_id)
    # Stripe never expires a completed session, but a late or forged-looking expired event
    # for it must not undo the sale: the handler asks Stripe and finds it complete.
    late = completed.to_dict()
    late["id"] = "evt_late_expired_" + arranged.session_id[-8:]
    late["type"] = "checkout.session.expired"
    late["data"]["object"]["status"] = "expired"
    response = await post_event(client, late, webhook_endpoint)
    assert response.status_code == 200 and response.json()["outcome"] == "handled"

    order = await order_for(session, arranged.session_id)
    assert order is not None and order.status is OrderStatus.PAID
    checkout = await session.get(CheckoutSession, arranged.session_id, populate_existing=True)
    assert checkout is not None and checkout.status is CheckoutStatus.COMPLETE
    assert await stock_of(session, product.id) == 3


async def _has_order(session: AsyncSession, stripe_session_id: str) -> bool:
    return await count_orders(session, stripe_session_id) == 1


async def test_async_failure_before_completed_never_touches_stock(
    session: AsyncSession,
    customer: User,
    make_product,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
    listen: Listen,
) -> None:
    product = await make_product(price=1000, stock=5)
    arranged = await arrange_checkout(customer, [(product, 2)])
    await emulator.complete(arranged.session_id, "async_failed")  # no endpoint yet
    failed = await emulator.event("checkout.session.async_payment_failed", arranged.session_id)
    completed = await emulator.event("checkout.session.completed", arranged.session_id)
    await listen()

    assert [d["status"] for d in await emulator.deliver(failed.id, times=2)] == [200, 200]
    assert [d["status"] for d in await emulator.deliver(completed.id)] == [200]

    order = await order_for(session, arranged.session_id)
    assert order is not None and order.status is OrderStatus.CANCELLED
    assert order.amount_charged == 0
    assert await stock_of(session, product.id) == 5
    assert await session.scalar(select(func.count()).select_from(StockReservation)) == 0
    assert await count_orders(session) == 1
