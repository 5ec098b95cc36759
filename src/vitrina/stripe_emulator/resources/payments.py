"""PaymentIntents, Charges and PaymentMethods: the objects, and their read endpoints.

A Checkout Session makes its PaymentIntent at the customer's first attempt to pay and keeps
it for the next attempts; each attempt that reaches the card network adds a Charge (failed
or not). The flows that drive them live in `paying`.
"""

from __future__ import annotations

from typing import Any

from vitrina.stripe_emulator.ids import new_id, random_part
from vitrina.stripe_emulator.listing import paginate
from vitrina.stripe_emulator.resources import cards
from vitrina.stripe_emulator.resources.common import merge_metadata
from vitrina.stripe_emulator.state import Ctx
from vitrina.stripe_emulator.store import StripeObject


def intent_for(ctx: Ctx, session: StripeObject) -> StripeObject:
    """The session's PaymentIntent, made (`payment_intent.created`) at the first attempt."""
    if session["payment_intent"] is not None:
        return ctx.state.payment_intents.get(session["payment_intent"])
    intent_id = new_id("pi")
    data = ctx.state.intent_data.get(session["id"], {})
    intent: StripeObject = {
        "id": intent_id,
        "object": "payment_intent",
        "amount": session["amount_total"],
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
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
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "managed_payments": None,
        "metadata": merge_metadata({}, data.get("metadata")),
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {},
        "payment_method_types": ["card"],
        "processing": None,
        "receipt_email": data.get("receipt_email"),
        "review": None,
        "setup_future_usage": data.get("setup_future_usage"),
        "shipping": None,
        "source": None,
        "statement_descriptor": data.get("statement_descriptor"),
        "statement_descriptor_suffix": data.get("statement_descriptor_suffix"),
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": data.get("transfer_group"),
    }
    ctx.state.payment_intents.add(intent)
    session["payment_intent"] = intent_id
    ctx.emit("payment_intent.created", intent)
    return intent


def new_charge(
    ctx: Ctx,
    intent: StripeObject,
    method: StripeObject,
    *,
    status: str,
    decline: cards.Decline | None = None,
    authenticated: bool = False,
) -> StripeObject:
    """A charge of `intent` on `method`: `succeeded`, `pending` (delayed) or `failed`."""
    succeeded = status == "succeeded"
    amount = intent["amount"]
    charge: StripeObject = {
        "id": new_id("ch"),
        "object": "charge",
        "amount": amount,
        "amount_captured": amount if succeeded else 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": new_id("txn") if succeeded else None,
        "billing_details": dict(method["billing_details"]),
        "calculated_statement_descriptor": "VITRINA",
        "captured": succeeded,
        "created": ctx.now,
        "currency": intent["currency"],
        "customer": intent["customer"],
        "description": intent["description"],
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": decline.code if decline else None,
        "failure_message": decline.message if decline else None,
        "fraud_details": {},
        "livemode": False,
        "metadata": dict(intent["metadata"]),
        "on_behalf_of": None,
        "outcome": cards.outcome(decline),
        "paid": succeeded,
        "payment_intent": intent["id"],
        "payment_method": method["id"],
        "payment_method_details": {
            "card": cards.charge_card_details(method, amount, authenticated=authenticated),
            "type": "card",
        },
        "receipt_email": intent["receipt_email"],
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
        "transfer_data": None,
        "transfer_group": None,
    }
    if decline is not None:
        charge["payment_method_details"]["card"]["amount_authorized"] = None
    ctx.state.charges.add(charge)
    intent["latest_charge"] = charge["id"]
    return charge


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


def retrieve_payment_method(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    return ctx.state.payment_methods.get(object_id)
