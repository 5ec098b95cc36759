"""Paying a Checkout Session: with a test card on the hosted page, or by test control.

Every attempt that reaches the card network leaves a trace as on Stripe: the session's
PaymentIntent (made at the first attempt, reused after), a PaymentMethod, a Charge. A decline
emits `charge.failed` and `payment_intent.payment_failed` with `last_payment_error` and keeps
the session open for another card; 3-D Secure parks the intent in `requires_action` until the
customer approves (it pays) or fails the challenge (`payment_intent.payment_failed`, no charge).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from vitrina.stripe_emulator.errors import StripeError, invalid
from vitrina.stripe_emulator.resources import cards, checkout_pricing, customers, payments
from vitrina.stripe_emulator.state import Ctx
from vitrina.stripe_emulator.store import StripeObject, snapshot

Outcome = Literal["paid", "unpaid", "async_succeeded", "async_failed", "declined"]
OUTCOMES: tuple[str, ...] = ("paid", "unpaid", "async_succeeded", "async_failed", "declined")
Result = Literal["complete", "requires_action"]

INVALID_NUMBER_MESSAGE = "Your card number is invalid."
AUTHENTICATION_FAILED_MESSAGE = (
    "We are unable to authenticate your payment method. Please choose a different payment "
    "method and try again."
)


@dataclass
class Buyer:
    """What the customer typed on the payment page (or a test control sent)."""

    email: str | None = None
    name: str | None = None
    shipping: dict[str, Any] | None = None
    expiry: str | None = None
    shipping_rate: str | None = None
    """The chosen shipping option (a `shr_` id of the session's options)."""
    billing_address: dict[str, Any] | None = None
    """At least `country` (and `state` in the US): where tax is due without a shipping
    address."""


def pay(
    ctx: Ctx, session: StripeObject, card_number: str, buyer: Buyer, *, delayed: bool = False
) -> Result:
    """One attempt to pay `session` with a test card. Raises the API's error for a decline
    (the session stays open); returns whether the session completed or awaits 3-D Secure."""
    _check_open(ctx, session)
    details, collected = _details(ctx, session, buyer)
    apply_choices(ctx, session, buyer, details)
    if session["amount_total"] == 0:
        _finish(ctx, session, details, collected)
        return "complete"
    card = cards.card_for(card_number)
    if card is None:
        raise StripeError(
            402, INVALID_NUMBER_MESSAGE, type="card_error", code="invalid_number", param="number"
        )
    ctx.state.pending_authentications.pop(session["id"], None)
    intent = payments.intent_for(ctx, session)
    intent["amount"] = session["amount_total"]
    method = cards.payment_method(ctx, card, _billing(details), cards.expiry(buyer.expiry))
    intent.update(
        payment_method=method["id"],
        last_payment_error=None,
        next_action=None,
        shipping=_shipping(collected),
    )
    if card.decline is not None:
        _decline(ctx, intent, method, card.decline)
    if card.three_d_secure:
        _require_authentication(ctx, session, intent, method, buyer)
        return "requires_action"
    _charge_and_finish(ctx, session, intent, method, details, collected, delayed=delayed)
    return "complete"


def authenticate(ctx: Ctx, session: StripeObject, *, approve: bool) -> None:
    """The customer's answer to the 3-D Secure challenge of the pending attempt."""
    pending = ctx.state.pending_authentications.pop(session["id"], None)
    if pending is None:
        raise invalid("No payment of this session is waiting for authentication.")
    _check_open(ctx, session)
    intent = ctx.state.payment_intents.get(session["payment_intent"])
    method = ctx.state.payment_methods.get(pending["payment_method"])
    intent["next_action"] = None
    if not approve:
        intent.update(
            status="requires_payment_method",
            last_payment_error=cards.authentication_failure(snapshot(method)),
        )
        ctx.emit("payment_intent.payment_failed", intent)
        raise StripeError(
            402,
            AUTHENTICATION_FAILED_MESSAGE,
            type="invalid_request_error",
            code=cards.AUTHENTICATION_FAILURE_CODE,
        )
    details, collected = _details(ctx, session, Buyer(**pending["buyer"]))
    _charge_and_finish(ctx, session, intent, method, details, collected, authenticated=True)


def complete(
    ctx: Ctx,
    session: StripeObject,
    outcome: Outcome,
    buyer: Buyer,
    *,
    card: str | None = None,
    authentication: str = "complete",
) -> None:
    """The test control: pay (or fail) as the hosted page would, without a browser."""
    if outcome in ("async_succeeded", "async_failed"):
        if session["status"] == "open":
            complete(ctx, session, "unpaid", buyer)
        _settle(ctx, session, succeeded=outcome == "async_succeeded")
        return
    number = card or (cards.DECLINED_CARD if outcome == "declined" else cards.PAYING_CARD)
    known = cards.card_for(number)
    if outcome == "declined" and known is not None and known.decline is None:
        if not known.three_d_secure:
            raise invalid(f"The card {number} is not declined; it pays.", param="card")
        authentication = "fail"
    if pay(ctx, session, number, buyer, delayed=outcome == "unpaid") == "requires_action":
        authenticate(ctx, session, approve=authentication != "fail")


SHIPPING_FIELDS = ("name", "line1", "line2", "city", "postal_code", "state", "country")


def saved_shipping(ctx: Ctx, session: StripeObject) -> dict[str, str] | None:
    """What Stripe's page prefills in its shipping address fields: the `shipping` of the
    session's Customer, when the session collects an address to a country it allows."""
    collection = session["shipping_address_collection"]
    if not collection or session["customer"] is None:
        return None
    customer = ctx.state.customers.find(session["customer"]) or {}
    shipping = customer.get("shipping")
    if not shipping:
        return None
    address = shipping.get("address") or {}
    if address.get("country") not in collection["allowed_countries"]:
        return None
    fields = {key: str(address.get(key) or "") for key in SHIPPING_FIELDS if key != "name"}
    return {"name": str(shipping.get("name") or ""), **fields}


def apply_choices(ctx: Ctx, session: StripeObject, buyer: Buyer, details: StripeObject) -> None:
    """Price the session with the buyer's shipping option and address (tax location: the
    shipping address, else the billing address)."""
    address = details["address"]
    location = None
    if address and address.get("country"):
        location = {"country": address["country"], "state": address.get("state")}
    checkout_pricing.choose(ctx, session, shipping_rate=buyer.shipping_rate, location=location)
    if checkout_pricing.needs_location(ctx, session):
        raise invalid(
            "Automatic tax needs the customer's address: enter a billing country.",
            param="billing_address[country]",
        )


def _check_open(ctx: Ctx, session: StripeObject) -> None:
    if session["status"] != "open":
        raise invalid(f"This Checkout Session is {session['status']}, not open.", param="session")
    if session["expires_at"] <= ctx.now:
        raise invalid("This Checkout Session has expired.", param="session")


def _details(ctx: Ctx, session: StripeObject, buyer: Buyer) -> tuple[StripeObject, StripeObject]:
    """`customer_details` and `collected_information` as Checkout fills them."""
    email = buyer.email or session["customer_email"]
    tax_exempt = "none"
    if session["customer"] is not None:
        customer = ctx.state.customers.find(session["customer"]) or {}
        email = customer.get("email") or email
        tax_exempt = customer.get("tax_exempt", "none")
    name = buyer.name
    address = None
    shipping = buyer.shipping
    if shipping is not None:
        address = customers.address(shipping)
        assert address is not None
        allowed = (session["shipping_address_collection"] or {}).get("allowed_countries")
        if allowed and address["country"] not in allowed:
            raise invalid(
                f"Shipping to {address['country']} is not allowed for this session.",
                param="shipping[country]",
            )
        name = name or shipping.get("name")
    elif session["shipping_address_collection"]:
        raise invalid("This session requires a shipping address.", param="shipping")
    elif buyer.billing_address and buyer.billing_address.get("country"):
        address = customers.address(buyer.billing_address)
    details: StripeObject = {
        "address": address,
        "business_name": None,
        "email": email,
        "individual_name": None,
        "name": name,
        "phone": None,
        "tax_exempt": tax_exempt,
        "tax_ids": [],
    }
    collected = {
        "business_name": None,
        "individual_name": None,
        "shipping_details": {"address": address, "name": name or ""} if address else None,
    }
    return details, collected


def _billing(details: StripeObject) -> StripeObject:
    return {
        "address": details["address"] or customers.address({}),
        "email": details["email"],
        "name": details["name"],
        "phone": None,
        "tax_id": None,
    }


def _shipping(collected: StripeObject) -> StripeObject | None:
    details = collected["shipping_details"]
    if not details:
        return None
    return {
        "address": details["address"],
        "carrier": None,
        "name": details["name"],
        "phone": None,
        "tracking_number": None,
    }


def _decline(ctx: Ctx, intent: StripeObject, method: StripeObject, decline: cards.Decline) -> None:
    charge = payments.new_charge(ctx, intent, method, status="failed", decline=decline)
    intent.update(
        status="requires_payment_method",
        last_payment_error=cards.last_payment_error(decline, charge["id"], snapshot(method)),
    )
    ctx.emit("charge.failed", charge)
    ctx.emit("payment_intent.payment_failed", intent)
    raise cards.card_error(decline, charge["id"], intent["id"])


def _require_authentication(
    ctx: Ctx, session: StripeObject, intent: StripeObject, method: StripeObject, buyer: Buyer
) -> None:
    challenge = f"{ctx.state.public_url}/c/pay/{session['id']}/authenticate"
    intent.update(
        status="requires_action",
        next_action={
            "type": "redirect_to_url",
            "redirect_to_url": {
                "return_url": f"{ctx.state.public_url}/c/pay/{session['id']}",
                "url": challenge,
            },
        },
    )
    ctx.state.pending_authentications[session["id"]] = {
        "payment_method": method["id"],
        "buyer": asdict(buyer),
    }
    ctx.emit("payment_intent.requires_action", intent)


def _charge_and_finish(
    ctx: Ctx,
    session: StripeObject,
    intent: StripeObject,
    method: StripeObject,
    details: StripeObject,
    collected: StripeObject,
    *,
    delayed: bool = False,
    authenticated: bool = False,
) -> None:
    _record_details(ctx, session, details, collected)
    intent["customer"] = session["customer"]
    status = "pending" if delayed else "succeeded"
    charge = payments.new_charge(ctx, intent, method, status=status, authenticated=authenticated)
    if delayed:
        intent["status"] = "processing"
        session["payment_status"] = "unpaid"
        ctx.emit("charge.pending", charge)
        ctx.emit("payment_intent.processing", intent)
    else:
        intent.update(status="succeeded", amount_received=intent["amount"])
        session["payment_status"] = "paid"
        ctx.emit("charge.succeeded", charge)
        ctx.emit("payment_intent.succeeded", intent)
    _close(ctx, session)


def _finish(
    ctx: Ctx, session: StripeObject, details: StripeObject, collected: StripeObject
) -> None:
    """A session with nothing to pay completes without a PaymentIntent."""
    _record_details(ctx, session, details, collected)
    session["payment_status"] = "no_payment_required"
    _close(ctx, session)


def _record_details(
    ctx: Ctx, session: StripeObject, details: StripeObject, collected: StripeObject
) -> None:
    session["customer_details"] = details
    session["collected_information"] = collected
    customers.for_completed_session(ctx, session)


def _close(ctx: Ctx, session: StripeObject) -> None:
    session["status"] = "complete"
    session["url"] = None
    _redeem(ctx, session)
    ctx.emit("checkout.session.completed", session)


def _redeem(ctx: Ctx, session: StripeObject) -> None:
    for entry in session["discounts"]:
        promo = ctx.state.promotion_codes.find(entry["promotion_code"] or "")
        coupon_id = promo["promotion"]["coupon"] if promo else entry["coupon"]
        if promo is not None:
            promo["times_redeemed"] += 1
        coupon = ctx.state.coupons.find(coupon_id or "")
        if coupon is not None:
            coupon["times_redeemed"] += 1


def _settle(ctx: Ctx, session: StripeObject, *, succeeded: bool) -> None:
    if session["status"] != "complete" or session["payment_status"] != "unpaid":
        raise invalid(
            "Only a completed session awaiting a delayed payment can settle.", param="session"
        )
    intent = ctx.state.payment_intents.get(session["payment_intent"])
    charge = ctx.state.charges.get(intent["latest_charge"])
    if succeeded:
        intent.update(status="succeeded", amount_received=intent["amount"])
        charge.update(
            status="succeeded", paid=True, captured=True, amount_captured=charge["amount"]
        )
        session["payment_status"] = "paid"
        ctx.emit("charge.succeeded", charge)
        ctx.emit("payment_intent.succeeded", intent)
        ctx.emit("checkout.session.async_payment_succeeded", session)
        return
    error = {
        "charge": charge["id"],
        "code": "payment_intent_payment_attempt_failed",
        "doc_url": cards.DOC_URL + "payment-intent-payment-attempt-failed",
        "message": "The payment failed.",
        "type": "invalid_request_error",
    }
    intent.update(status="requires_payment_method", last_payment_error=error)
    charge.update(
        status="failed", failure_code="payment_failed", failure_message="The payment failed."
    )
    charge["outcome"].update(network_status="declined_by_network", type="issuer_declined")
    ctx.emit("charge.failed", charge)
    ctx.emit("payment_intent.payment_failed", intent)
    ctx.emit("checkout.session.async_payment_failed", session)
