"""Refunds of a charge (by `charge` or `payment_intent`): partial or full, never more."""

from __future__ import annotations

from typing import Any

from vitrina.stripe_emulator.errors import StripeError, invalid
from vitrina.stripe_emulator.ids import new_id
from vitrina.stripe_emulator.listing import paginate
from vitrina.stripe_emulator.resources.common import merge_metadata, missing_reference, positive
from vitrina.stripe_emulator.state import Ctx
from vitrina.stripe_emulator.store import StripeObject, snapshot


def _charge_for(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    if "charge" in params:
        charge = ctx.state.charges.find(params["charge"])
        if charge is None:
            raise missing_reference("charge", params["charge"], "charge")
        return charge
    if "payment_intent" in params:
        intent = ctx.state.payment_intents.find(params["payment_intent"])
        if intent is None:
            raise missing_reference("payment_intent", params["payment_intent"], "payment_intent")
        if intent["latest_charge"] is None:
            raise invalid(
                "This PaymentIntent does not have a successful charge to refund.",
                param="payment_intent",
            )
        return ctx.state.charges.get(intent["latest_charge"])
    raise invalid(
        "One of the following params should be provided for this request: payment_intent or "
        "charge.",
        code="parameter_missing",
    )


def create(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    charge = _charge_for(ctx, params)
    if charge["status"] != "succeeded":
        raise invalid(
            f"Charge {charge['id']} has not succeeded and cannot be refunded.", param="charge"
        )
    remaining = charge["amount"] - charge["amount_refunded"]
    if remaining == 0:
        raise StripeError(
            400,
            f"Charge {charge['id']} has already been refunded.",
            code="charge_already_refunded",
        )
    amount = positive(params["amount"], "amount") if "amount" in params else remaining
    if amount > remaining:
        raise StripeError(
            400,
            f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining}).",
            code="amount_too_large",
            param="amount",
        )
    refund: StripeObject = {
        "id": new_id("re"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": new_id("txn"),
        "charge": charge["id"],
        "created": ctx.now,
        "currency": charge["currency"],
        "customer": charge["customer"],
        "customer_account": None,
        "destination_details": {"card": {"type": "refund"}, "type": "card"},
        "metadata": merge_metadata({}, params.get("metadata")),
        "payment_intent": charge["payment_intent"],
        "payment_method": charge["payment_method"],
        "reason": params.get("reason"),
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }
    ctx.state.refunds.add(refund)
    before = snapshot(charge)
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    ctx.emit("refund.created", refund)
    ctx.emit(
        "charge.refunded",
        charge,
        previous_attributes={
            k: before[k] for k in ("amount_refunded", "refunded") if before[k] != charge[k]
        },
    )
    return refund


def retrieve(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    return ctx.state.refunds.get(object_id)


def update(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    refund = ctx.state.refunds.get(object_id)
    refund["metadata"] = merge_metadata(refund["metadata"], params.get("metadata"))
    return refund


def list_(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    rows = ctx.state.refunds.newest_first()
    for key in ("charge", "payment_intent"):
        if key in params:
            rows = [r for r in rows if r[key] == params[key]]
    return paginate(rows, params, "/v1/refunds", kind="refund")
