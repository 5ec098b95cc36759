"""Refunds in Stripe: one call per refund request, keyed by the request's own token.

The orders feature records a refund request (`orders.models.OrderRefund`) before it calls
here; the idempotency key is derived from that request's token, so the same request sent
twice (a double click, a retry after a timeout) is one refund in Stripe, whose stored answer
is replayed for 24 hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import stripe

from vitrina.payments.client import make_stripe_client
from vitrina.payments.gateway import stripe_errors

RefundReason = Literal["duplicate", "fraudulent", "requested_by_customer"]
REASONS: tuple[RefundReason, ...] = ("duplicate", "fraudulent", "requested_by_customer")


def as_reason(value: str | None) -> RefundReason | None:
    """One of Stripe's refund reasons, or None for anything else."""
    for reason in REASONS:
        if value == reason:
            return reason
    return None


@dataclass(frozen=True)
class StripeRefund:
    id: str
    amount: int
    status: str | None


def idempotency_key(token: str) -> str:
    """The Stripe key of a refund request; the store's tokens start with the order id."""
    return f"vitrina:refund:{token}"


async def create_refund(
    payment_intent_id: str,
    amount: int,
    *,
    idempotency_key: str,
    metadata: dict[str, str],
    reason: RefundReason | None = None,
) -> StripeRefund:
    """Refund `amount` (minor units) of the PaymentIntent's charge."""
    params: stripe.params.RefundCreateParams = {
        "payment_intent": payment_intent_id,
        "amount": amount,
        "metadata": metadata,
    }
    if reason is not None:
        params["reason"] = reason
    client = make_stripe_client()
    with stripe_errors("create refund"):
        refund = await client.v1.refunds.create_async(params, {"idempotency_key": idempotency_key})
    return StripeRefund(refund.id, refund.amount, refund.status)
