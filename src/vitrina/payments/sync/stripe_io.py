"""One delivery's Stripe calls: idempotency keys per step, a deadline, and error sorting."""

from __future__ import annotations

import time
from dataclasses import dataclass

import stripe

from vitrina.errors import BadRequest, ServiceUnavailable, VitrinaError


class LeaseExpired(Exception):
    """The worker's claim on the row ends before another call could finish: stop here."""


@dataclass
class Delivery:
    """Calls made to bring Stripe to one version of one row.

    `deadline` (monotonic seconds) is when the worker's lease on the row ends; no call may
    start unless it is sure to finish (`call_budget`) before then, so a slow worker never
    acts after another worker may have taken the row over.
    """

    client: stripe.StripeClient
    key_prefix: str
    deadline: float | None = None
    call_budget: float = 0.0
    calls: int = 0

    def guard(self) -> None:
        if self.deadline is not None and time.monotonic() + self.call_budget > self.deadline:
            raise LeaseExpired(f"lease ends before the next Stripe call ({self.key_prefix})")
        self.calls += 1

    def options(self, step: str) -> stripe.RequestOptions:
        self.guard()
        return {"idempotency_key": f"{self.key_prefix}:{step}"}


def is_missing(error: stripe.StripeError) -> bool:
    return isinstance(error, stripe.InvalidRequestError) and (
        error.code == "resource_missing" or error.http_status == 404
    )


def already_exists(error: stripe.StripeError) -> bool:
    return isinstance(error, stripe.InvalidRequestError) and error.code == "resource_already_exists"


def describe(error: BaseException) -> str:
    if isinstance(error, stripe.StripeError):
        status = f" {error.http_status}" if error.http_status else ""
        message = error.user_message or str(error) or type(error).__name__
        return f"Stripe {type(error).__name__}{status}: {message}"[:1000]
    return f"{type(error).__name__}: {error}"[:1000]


def is_transient(error: stripe.StripeError) -> bool:
    """Connection trouble, rate limits, 409 and 5xx: the same call may succeed later."""
    if isinstance(error, stripe.APIConnectionError | stripe.RateLimitError):
        return True
    status = error.http_status or 0
    return status == 409 or status >= 500 or isinstance(error, stripe.APIError)


def as_vitrina_error(error: stripe.StripeError) -> VitrinaError:
    """Stripe's refusal as the store's error: 503 when it may pass, else a clear 4xx."""
    if is_transient(error):
        return ServiceUnavailable("Stripe is not reachable right now; try again shortly.")
    return BadRequest(describe(error))
