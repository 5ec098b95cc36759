"""One idempotent fulfilment for a Checkout Session, whoever calls it and however often.

Called by `checkout.session.completed`, `checkout.session.async_payment_succeeded` and
`..._failed`, and by the customer's return to the success URL. It never trusts its caller: it
asks Stripe for the session, then brings the store in line with what Stripe says, in the
caller's transaction:

- no order yet and the session is complete: create the order from the `CheckoutSession`
  snapshot (what the customer saw), turn reservations into stock decrements, redeem the
  coupon, empty the basket and remove its code, mark the CheckoutSession complete;
- an order awaiting a delayed payment: mark it paid, or cancel it and put its stock back.

The `CheckoutSession` row is locked first, so concurrent callers for one session run one after
the other and the later ones find the order; the unique `orders.stripe_session_id` (inserted
inside a savepoint) stops a second order even if that lock were bypassed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import stripe
import structlog
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts.models import User
from vitrina.basket.models import CheckoutSession, CheckoutStatus
from vitrina.basket.reservations import complete_checkout, release_reservations
from vitrina.basket.service import empty_paid_basket
from vitrina.errors import Conflict, NotFound
from vitrina.kit.clock import utcnow
from vitrina.orders import service as orders
from vitrina.orders.coupons import redeem_coupon
from vitrina.orders.models import Order, OrderItem, OrderStatus
from vitrina.orders.notifications import confirm_after_commit
from vitrina.orders.prebuilt import can_insert_prebuilt, insert_order
from vitrina.payments import gateway
from vitrina.payments.checkout_session import added_tax, chosen_shipping, tax_breakdown
from vitrina.payments.guest_customers import customer_for_guest_checkout
from vitrina.shipping.service import chosen_option

log = structlog.get_logger(__name__)


class PaymentState(StrEnum):
    NOT_COMPLETE = "not_complete"
    AWAITING = "awaiting"
    PAID = "paid"
    FAILED = "failed"


def payment_state(remote: stripe.checkout.Session) -> PaymentState:
    if remote.status != "complete":
        return PaymentState.NOT_COMPLETE
    if remote.payment_status in ("paid", "no_payment_required"):
        return PaymentState.PAID
    intent = remote.payment_intent
    if isinstance(intent, stripe.PaymentIntent) and intent.status in (
        "requires_payment_method",
        "canceled",
    ):
        return PaymentState.FAILED
    return PaymentState.AWAITING


@dataclass(frozen=True)
class Fulfilment:
    order: Order | None
    created: bool = False


async def fulfil_checkout_session(session: AsyncSession, stripe_session_id: str) -> Order | None:
    """The order for this Checkout Session, created if Stripe says it is complete; None while
    the session is not complete or is not one of the store's."""
    return (await fulfil(session, stripe_session_id)).order


async def fulfil(session: AsyncSession, stripe_session_id: str, *, source: str = "") -> Fulfilment:
    remote = await gateway.retrieve_checkout_session(stripe_session_id)
    return await fulfil_remote(session, remote, source=source)


async def fulfil_remote(
    session: AsyncSession, remote: stripe.checkout.Session, *, source: str = ""
) -> Fulfilment:
    """`fulfil` with the session already fetched from Stripe (the webhook fetches it before
    taking a database connection)."""
    stripe_session_id = remote.id
    state = payment_state(remote)
    if state is PaymentState.NOT_COMPLETE:
        return Fulfilment(await orders.order_by_session(session, stripe_session_id))
    checkout = await _lock_checkout(session, stripe_session_id)
    # An order is made in the transaction that completes its checkout row, so while that
    # (locked) row is not complete there is no order to look for.
    maybe_ordered = checkout is None or checkout.status is CheckoutStatus.COMPLETE
    existing = await orders.order_by_session(session, stripe_session_id) if maybe_ordered else None
    if existing is not None:
        existing = await orders.lock_order(session, existing.id)
        await _follow_payment(session, existing, remote, state)
        return Fulfilment(existing)
    if checkout is None:
        log.warning("fulfil_unknown_session", stripe_session_id=stripe_session_id)
        return Fulfilment(None)
    order = await _insert_order(session, checkout, remote, state, source)
    if order is None:
        return Fulfilment(await orders.order_by_session(session, stripe_session_id))
    failed = state is PaymentState.FAILED
    await _settle_goods(session, order, checkout, remote, take_stock=not failed)
    if failed:
        orders.set_status(session, order, OrderStatus.CANCELLED, note="The delayed payment failed.")
    else:
        confirm_after_commit(session, order)
    if order.needs_review:
        orders.add_event(session, order, "flagged", note=order.review_reason or "")
    log.info("order_created", order_id=order.id, stripe_session_id=stripe_session_id)
    return Fulfilment(order, created=True)


_LOCK_CHECKOUT = (
    select(CheckoutSession)
    .where(CheckoutSession.id == bindparam("session_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)
"""Built once: the statement and its cache key are not made again per delivery."""


async def _lock_checkout(session: AsyncSession, stripe_session_id: str) -> CheckoutSession | None:
    found = await session.execute(_LOCK_CHECKOUT, {"session_id": stripe_session_id})
    return found.scalar_one_or_none()


async def _follow_payment(
    session: AsyncSession, order: Order, remote: stripe.checkout.Session, state: PaymentState
) -> None:
    """An existing order catches up with Stripe (out-of-order and late events end here)."""
    order.stripe_payment_intent_id = order.stripe_payment_intent_id or _payment_intent_id(remote)
    if order.status is OrderStatus.AWAITING_PAYMENT and state is PaymentState.PAID:
        orders.mark_paid(session, order, remote.amount_total or 0)
    elif order.status is OrderStatus.AWAITING_PAYMENT and state is PaymentState.FAILED:
        await orders.cancel_with_stock_back(
            session, order, actor_id=None, note="The delayed payment failed."
        )
    elif (
        order.status is OrderStatus.CANCELLED
        and state is PaymentState.PAID
        and order.amount_charged == 0
    ):
        order.amount_charged = remote.amount_total or 0
        order.paid_at = order.paid_at or utcnow()
        _flag(order, "Stripe collected the payment after the order was cancelled; refund it.")
        orders.add_event(session, order, "flagged", note=order.review_reason or "")


def _flag(order: Order, reason: str) -> None:
    order.needs_review = True
    order.review_reason = f"{order.review_reason}\n{reason}" if order.review_reason else reason


def _shipping_address(remote: stripe.checkout.Session) -> dict[str, Any] | None:
    collected = remote.collected_information
    if collected is not None and collected.shipping_details is not None:
        details = collected.shipping_details
        return {"name": details.name, **gateway.plain(details.address)}
    customer = remote.customer_details
    if customer is not None and customer.address is not None:
        return {"name": customer.name, **gateway.plain(customer.address)}
    return None


def _metadata(remote: stripe.checkout.Session) -> dict[str, str]:
    return dict(gateway.plain(remote.metadata) or {})


def _payment_intent_id(remote: stripe.checkout.Session) -> str | None:
    intent = remote.payment_intent
    if isinstance(intent, stripe.PaymentIntent):
        return intent.id
    return intent


async def _insert_order(
    session: AsyncSession,
    checkout: CheckoutSession,
    remote: stripe.checkout.Session,
    state: PaymentState,
    source: str,
) -> Order | None:
    """Insert the order and its items in a savepoint; None if another caller's order won."""
    given = remote.customer_details.email if remote.customer_details else None
    user: User | None = None
    if checkout.user_id is None:  # a guest's checkout: the account for the email given
        user = await customer_for_guest_checkout(session, remote)
    elif not given:  # the account's email is read only when Stripe has none
        user = await session.get(User, checkout.user_id)
    email = given or (user.email if user else "")
    paid = state is PaymentState.PAID
    rate_id, charged_shipping = chosen_shipping(remote)
    shipping_name, shipping = chosen_option(checkout.shipping_options, rate_id, charged_shipping)
    shipping = checkout.amount_shipping if shipping is None else shipping
    tax = remote.total_details.amount_tax if remote.total_details else 0
    line_taxes = await gateway.line_item_taxes(remote.id) if tax else []
    order = Order(
        user_id=user.id if user is not None else checkout.user_id,
        status=OrderStatus.PAID if paid else OrderStatus.AWAITING_PAYMENT,
        email=email,
        currency=checkout.currency,
        subtotal=checkout.amount_subtotal,
        discount=checkout.amount_discount,
        shipping=shipping,
        shipping_name=shipping_name,
        shipping_rate_id=rate_id,
        total=checkout.amount_total - checkout.amount_shipping + shipping + added_tax(remote),
        tax=tax,
        tax_breakdown=tax_breakdown(remote) or None,
        amount_charged=(remote.amount_total or 0) if paid else 0,
        amount_refunded=0,
        coupon_code=checkout.coupon_number,
        language=checkout.language,
        shipping_address=_shipping_address(remote),
        stripe_session_id=checkout.id,
        stripe_payment_intent_id=_payment_intent_id(remote),
        paid_at=utcnow() if paid else None,
        items=[
            OrderItem(
                product_id=line["product_id"],
                variant_id=line.get("variant_id", line["product_id"]),
                sku=line.get("sku"),
                options=line.get("options") or None,
                name=line["name"],
                unit_price=line["unit_price"],
                quantity=line["quantity"],
                line_total=line["line_total"],
                tax_amount=line_taxes[i] if i < len(line_taxes) else 0,
            )
            for i, line in enumerate(checkout.items)
        ],
        events=[],
    )
    _check_amounts(order, checkout, remote)
    if not await _write_order(session, order):
        log.info("order_race_lost", stripe_session_id=checkout.id)
        return None
    orders.add_event(
        session,
        order,
        "created",
        to_status=order.status,
        note=f"Order created from Checkout Session {checkout.id}.",
        data={"source": source or "fulfilment", "stripe_session_id": checkout.id},
    )
    return order


async def _write_order(session: AsyncSession, order: Order) -> bool:
    """The order and its items in a savepoint (prebuilt statements on PostgreSQL, see
    orders.prebuilt); False when another caller's order for the session won."""
    if can_insert_prebuilt(session):
        return await insert_order(session, order, utcnow())
    try:
        async with session.begin_nested():
            session.add(order)
            await session.flush()
    except IntegrityError:
        return False
    return True


def _check_amounts(
    order: Order, checkout: CheckoutSession, remote: stripe.checkout.Session
) -> None:
    if remote.amount_total != order.total:
        _flag(
            order,
            f"Stripe's amount_total {remote.amount_total} differs from the store's total "
            f"{order.total}.",
        )
    if (remote.currency or "").lower() != checkout.currency.lower():
        _flag(
            order, f"Stripe charged in {remote.currency}, the store priced in {checkout.currency}."
        )
    code = _metadata(remote).get("unique_code")
    if code != checkout.unique_code:
        _flag(order, "The session's unique_code does not match the store's checkout record.")


async def _settle_goods(
    session: AsyncSession,
    order: Order,
    checkout: CheckoutSession,
    remote: stripe.checkout.Session,
    *,
    take_stock: bool = True,
) -> None:
    """Reservations become stock decrements (unless the payment already failed); coupon
    redeemed (Stripe counts it at completion too); basket emptied; code removed."""
    await complete_checkout(session, checkout)
    short = await orders.take_order_stock(session, order) if take_stock else []
    if short:
        _flag(order, f"Not enough stock for variants {short}; stock set to zero.")
    if checkout.coupon_id is not None:
        problem = await redeem_coupon(session, checkout.coupon_id, order)
        if problem:
            _flag(order, problem)
    code = _metadata(remote).get("unique_code") or checkout.unique_code
    if not await empty_paid_basket(session, checkout.basket_id, code):
        log.info("fulfil_basket_moved_on", order_id=order.id, basket_id=checkout.basket_id)


async def expire_checkout_session(session: AsyncSession, remote: stripe.checkout.Session) -> bool:
    """`checkout.session.expired`: release the reservations of a session Stripe says has
    expired, leaving the basket as it was. A session that completed is left alone."""
    if remote.status != "expired":
        return False
    checkout = await _lock_checkout(session, remote.id)
    if checkout is None or checkout.status is not CheckoutStatus.OPEN:
        return False
    await release_reservations(session, checkout.id)
    checkout.status = CheckoutStatus.EXPIRED
    return True


async def follow_charge_refunds(session: AsyncSession, charge: stripe.Charge) -> Order | None:
    """`charge.refunded`: the order takes the charge's current `amount_refunded`."""
    intent = charge.payment_intent
    intent_id = intent.id if isinstance(intent, stripe.PaymentIntent) else intent
    if not intent_id:
        return None
    order = await orders.order_by_payment_intent(session, intent_id)
    if order is None:
        log.warning("refund_for_unknown_order", charge_id=charge.id)
        return None
    await orders.apply_refunded_amount(session, order, charge.amount_refunded)
    return order


async def fulfil_for_customer(
    session: AsyncSession, user_id: int, stripe_session_id: str, code: str
) -> Order:
    """The success URL: only the customer who checked out, with the code of that checkout."""
    checkout = await session.get(CheckoutSession, stripe_session_id)
    if checkout is None or checkout.user_id != user_id or checkout.unique_code != code:
        raise NotFound("No such checkout for this account.")
    return await _fulfil_on_return(session, stripe_session_id)


async def fulfil_for_guest(
    session: AsyncSession, basket_id: int | None, stripe_session_id: str, code: str
) -> Order:
    """The success URL for a guest: only the browser whose basket cookie checked out."""
    checkout = await session.get(CheckoutSession, stripe_session_id)
    if (
        checkout is None
        or basket_id is None
        or checkout.basket_id != basket_id
        or checkout.unique_code != code
    ):
        raise NotFound("No such checkout for this basket.")
    return await _fulfil_on_return(session, stripe_session_id)


async def _fulfil_on_return(session: AsyncSession, stripe_session_id: str) -> Order:
    order = (await fulfil(session, stripe_session_id, source="success_url")).order
    if order is None:
        raise Conflict("The payment is not complete yet; this page will show the order once it is.")
    return order
