"""PaymentIntents and Charges made by a completed session; the outcomes of paying."""

from __future__ import annotations

from typing import Any, Literal

from vitrina.stripe_emulator.errors import StripeError, invalid
from vitrina.stripe_emulator.ids import new_id, random_part
from vitrina.stripe_emulator.listing import paginate
from vitrina.stripe_emulator.resources.common import merge_metadata
from vitrina.stripe_emulator.state import Ctx
from vitrina.stripe_emulator.store import StripeObject

Outcome = Literal["paid", "unpaid", "async_succeeded", "async_failed", "declined"]
OUTCOMES: tuple[str, ...] = ("paid", "unpaid", "async_succeeded", "async_failed", "declined")
DECLINED_MESSAGE = "Your card was declined."


def card_declined() -> StripeError:
    return StripeError(
        402,
        DECLINED_MESSAGE,
        type="card_error",
        code="card_declined",
        extra={"decline_code": "generic_decline"},
    )


def complete(
    ctx: Ctx,
    session: StripeObject,
    outcome: Outcome,
    *,
    email: str | None = None,
    name: str | None = None,
    shipping: dict[str, Any] | None = None,
) -> StripeObject:
    """Apply a payment outcome to a session (hosted page and test controls)."""
    if outcome == "declined":
        if session["status"] != "open":
            raise invalid("This Checkout Session is no longer open.", param="session")
        raise card_declined()
    if outcome in ("async_succeeded", "async_failed"):
        if session["status"] == "open":
            complete(ctx, session, "unpaid", email=email, name=name, shipping=shipping)
        return _settle(ctx, session, succeeded=outcome == "async_succeeded")
    if session["status"] != "open":
        raise invalid(f"This Checkout Session is {session['status']}, not open.", param="session")
    if session["expires_at"] <= ctx.now:
        raise invalid("This Checkout Session has expired.", param="session")
    _collect_details(session, email=email, name=name, shipping=shipping)
    session["status"] = "complete"
    session["url"] = None
    if session["amount_total"] == 0:
        session["payment_status"] = "no_payment_required"
    else:
        paid = outcome == "paid"
        intent = _payment_intent(ctx, session, "succeeded" if paid else "processing")
        charge = _charge(ctx, session, intent, "succeeded" if paid else "pending")
        intent["latest_charge"] = charge["id"]
        session["payment_intent"] = intent["id"]
        session["payment_status"] = "paid" if paid else "unpaid"
        if paid:
            ctx.emit("charge.succeeded", charge)
            ctx.emit("payment_intent.succeeded", intent)
        else:
            ctx.emit("charge.pending", charge)
            ctx.emit("payment_intent.processing", intent)
    _redeem(ctx, session)
    return ctx.emit("checkout.session.completed", session)


def _collect_details(
    session: StripeObject,
    *,
    email: str | None,
    name: str | None,
    shipping: dict[str, Any] | None,
) -> None:
    email = email or session["customer_email"]
    address = None
    if shipping is not None:
        address = {
            key: shipping.get(key) or None
            for key in ("city", "country", "line1", "line2", "postal_code", "state")
        }
        allowed = (session["shipping_address_collection"] or {}).get("allowed_countries")
        if allowed and address["country"] not in allowed:
            raise invalid(
                f"Shipping to {address['country']} is not allowed for this session.",
                param="shipping[country]",
            )
        name = name or shipping.get("name")
    elif session["shipping_address_collection"]:
        raise invalid("This session requires a shipping address.", param="shipping")
    session["customer_details"] = {
        "address": address,
        "business_name": None,
        "email": email,
        "individual_name": None,
        "name": name,
        "phone": None,
        "tax_exempt": "none",
        "tax_ids": [],
    }
    session["collected_information"] = {
        "business_name": None,
        "individual_name": None,
        "shipping_details": {"address": address, "name": name or ""} if address else None,
    }


def _redeem(ctx: Ctx, session: StripeObject) -> None:
    for entry in session["discounts"]:
        promo = ctx.state.promotion_codes.find(entry["promotion_code"] or "")
        coupon_id = promo["promotion"]["coupon"] if promo else entry["coupon"]
        if promo is not None:
            promo["times_redeemed"] += 1
        coupon = ctx.state.coupons.find(coupon_id or "")
        if coupon is not None:
            coupon["times_redeemed"] += 1


def _settle(ctx: Ctx, session: StripeObject, *, succeeded: bool) -> StripeObject:
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
        return ctx.emit("checkout.session.async_payment_succeeded", session)
    error = {
        "code": "payment_intent_payment_attempt_failed",
        "message": "The payment failed.",
        "type": "invalid_request_error",
    }
    intent.update(status="requires_payment_method", last_payment_error=error)
    charge.update(
        status="failed", failure_code="payment_failed", failure_message="The payment failed."
    )
    ctx.emit("charge.failed", charge)
    ctx.emit("payment_intent.payment_failed", intent)
    return ctx.emit("checkout.session.async_payment_failed", session)


def _payment_intent(ctx: Ctx, session: StripeObject, status: str) -> StripeObject:
    intent_id = new_id("pi")
    amount = session["amount_total"]
    data = ctx.state.intent_data.get(session["id"], {})
    intent: StripeObject = {
        "id": intent_id,
        "object": "payment_intent",
        "allowed_payment_method_types": None,
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": amount if status == "succeeded" else 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic",
        "client_secret": f"{intent_id}_secret_{random_part(25)}",
        "confirmation_method": "automatic",
        "created": ctx.now,
        "currency": session["currency"],
        "customer": session["customer"],
        "customer_account": None,
        "description": data.get("description"),
        "excluded_payment_method_types": None,
        "hooks": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "managed_payments": None,
        "metadata": merge_metadata({}, data.get("metadata")),
        "next_action": None,
        "on_behalf_of": None,
        "payment_details": None,
        "payment_method": new_id("pm"),
        "payment_method_configuration_details": None,
        "payment_method_options": {},
        "payment_method_types": ["card"],
        "payment_record": None,
        "presentment_details": None,
        "processing": None,
        "receipt_email": data.get("receipt_email"),
        "review": None,
        "setup_future_usage": data.get("setup_future_usage"),
        "shipping": _shipping(session),
        "source": None,
        "statement_descriptor": data.get("statement_descriptor"),
        "statement_descriptor_suffix": data.get("statement_descriptor_suffix"),
        "status": status,
        "transfer_data": None,
        "transfer_group": data.get("transfer_group"),
    }
    return ctx.state.payment_intents.add(intent)


def _shipping(session: StripeObject) -> StripeObject | None:
    details = (session["collected_information"] or {}).get("shipping_details")
    if not details:
        return None
    return {
        "address": details["address"],
        "carrier": None,
        "name": details["name"],
        "phone": None,
        "tracking_number": None,
    }


def _charge(ctx: Ctx, session: StripeObject, intent: StripeObject, status: str) -> StripeObject:
    customer = session["customer_details"] or {}
    succeeded = status == "succeeded"
    charge: StripeObject = {
        "id": new_id("ch"),
        "object": "charge",
        "amount": intent["amount"],
        "amount_captured": intent["amount"] if succeeded else 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "authorization_code": None,
        "balance_transaction": new_id("txn") if succeeded else None,
        "billing_details": {
            "address": customer.get("address"),
            "email": customer.get("email"),
            "name": customer.get("name"),
            "phone": None,
            "tax_id": None,
        },
        "calculated_statement_descriptor": "VITRINA",
        "captured": succeeded,
        "created": ctx.now,
        "currency": intent["currency"],
        "customer": intent["customer"],
        "description": intent["description"],
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "fraud_details": {},
        "level3": None,
        "livemode": False,
        "metadata": dict(intent["metadata"]),
        "on_behalf_of": None,
        "outcome": {
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "risk_score": 20,
            "rule": None,
            "seller_message": "Payment complete.",
            "type": "authorized",
        },
        "paid": succeeded,
        "payment_intent": intent["id"],
        "payment_method": intent["payment_method"],
        "payment_method_details": {
            "card": {
                "brand": "visa",
                "country": "US",
                "exp_month": 12,
                "exp_year": 2034,
                "funding": "credit",
                "last4": "4242",
                "network": "visa",
            },
            "type": "card",
        },
        "presentment_details": None,
        "radar_options": {},
        "receipt_email": None,
        "receipt_number": None,
        "receipt_url": None,
        "refunded": False,
        "review": None,
        "shipping": intent["shipping"],
        "source": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": status,
        "transfer": None,
        "transfer_data": None,
        "transfer_group": None,
    }
    return ctx.state.charges.add(charge)


def retrieve_intent(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    return ctx.state.payment_intents.get(object_id)


def list_intents(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    rows = ctx.state.payment_intents.newest_first()
    if "customer" in params:
        rows = [r for r in rows if r["customer"] == params["customer"]]
    return paginate(rows, params, "/v1/payment_intents", kind="payment_intent")


def retrieve_charge(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    return ctx.state.charges.get(object_id)


def list_charges(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    rows = ctx.state.charges.newest_first()
    for key in ("payment_intent", "customer"):
        if key in params:
            rows = [r for r in rows if r[key] == params[key]]
    return paginate(rows, params, "/v1/charges", kind="charge")
