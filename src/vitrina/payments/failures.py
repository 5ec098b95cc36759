"""Failed payment attempts (`payment_intent.payment_failed`, `charge.failed`): logged and
counted, and nothing else.

A declined card (or a failed 3-D Secure step) leaves the Checkout Session open: the customer
may try another card until the session expires. So the store changes nothing: the order is
not created, the basket keeps its code and the stock stays reserved until the session's
expiry (`checkout.session.expired` releases it). These handlers take the object as the event
carries it, because it records what happened at that attempt (the intent's
`last_payment_error` is cleared when a later attempt succeeds).

`vitrina_payment_failures_total{decline_code}` counts failed attempts, once per
`payment_intent.payment_failed` (a card decline also emits `charge.failed` for the same
attempt, which is only logged). The label is Stripe's `decline_code`, or the error `code`
when there is none (`payment_intent_authentication_failure` for a failed 3-D Secure step).
"""

from __future__ import annotations

from typing import Any

import structlog
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

log = structlog.get_logger(__name__)

PAYMENT_FAILURES = Counter(
    "vitrina_payment_failures_total",
    "Failed payment attempts reported by Stripe, by decline code",
    ["decline_code"],
)
MAX_LABEL = 64


def decline_code(error: dict[str, Any] | None) -> str:
    error = error or {}
    code = error.get("decline_code") or error.get("code") or "unknown"
    return str(code)[:MAX_LABEL]


async def record_payment_failure(session: AsyncSession, intent: dict[str, Any]) -> None:
    error = intent.get("last_payment_error")
    code = decline_code(error)
    metadata = intent.get("metadata") or {}
    log.warning(
        "payment_failed",
        payment_intent=intent.get("id"),
        decline_code=code,
        message=(error or {}).get("message"),
        basket_id=metadata.get("basket_id"),
        user_id=metadata.get("user_id"),
        amount=intent.get("amount"),
        currency=intent.get("currency"),
    )
    PAYMENT_FAILURES.labels(decline_code=code).inc()


async def record_charge_failure(session: AsyncSession, charge: dict[str, Any]) -> None:
    outcome = charge.get("outcome") or {}
    log.info(
        "charge_failed",
        charge=charge.get("id"),
        payment_intent=charge.get("payment_intent"),
        failure_code=charge.get("failure_code"),
        reason=outcome.get("reason"),
        seller_message=outcome.get("seller_message"),
    )
