"""The store's tax rates as Stripe Tax Rates (TAX_MODE=manual), made when a checkout first
needs them.

A Stripe Tax Rate's percentage and inclusiveness never change, so each row remembers what
its Stripe object carries (`stripe_signature`); when the row (or PRICES_INCLUDE_TAX) changes,
a new Tax Rate is made with an idempotency key derived from the row, that signature and the
Tax Rate it replaces (so switching back and forth never replays an archived one), and
the old one is archived (`active=false`: sessions already made with it keep it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

import stripe
import structlog
from stripe.params import TaxRateCreateParams

from vitrina.payments.checkout_session import stripe_error
from vitrina.payments.client import make_stripe_client

log = structlog.get_logger(__name__)


class TaxRateRow(Protocol):
    """A store tax rate (`taxes.models.TaxRate`)."""

    @property
    def id(self) -> int: ...
    @property
    def country(self) -> str: ...
    @property
    def region(self) -> str | None: ...
    @property
    def tax_class(self) -> str: ...
    @property
    def percentage(self) -> Decimal: ...
    @property
    def display_name(self) -> str: ...

    stripe_id: str | None
    stripe_signature: str | None


def signature(rate: TaxRateRow, inclusive: bool) -> str:
    where = f"{rate.country}-{rate.region}" if rate.region else rate.country
    kind = "incl" if inclusive else "excl"
    return f"{rate.display_name}|{rate.percentage.normalize():f}|{where}|{kind}"


def _params(rate: TaxRateRow, inclusive: bool) -> TaxRateCreateParams:
    params: TaxRateCreateParams = {
        "display_name": rate.display_name,
        "percentage": float(rate.percentage),  # Stripe's API takes the rate as a decimal
        "inclusive": inclusive,
        "country": rate.country,
        "description": f"{rate.tax_class} rate",
        "metadata": {"vitrina_tax_rate_id": str(rate.id), "tax_class": str(rate.tax_class)},
    }
    if rate.region:
        params["state"] = rate.region
    return params


async def ensure_tax_rates_in_stripe(
    rates: Sequence[TaxRateRow], inclusive: bool, client: stripe.StripeClient | None = None
) -> None:
    """Give each row a Stripe Tax Rate carrying its current percentage and inclusiveness
    (sets `stripe_id`/`stripe_signature` on the rows; the caller's transaction keeps them)."""
    client = client or make_stripe_client()
    for rate in rates:
        wanted = signature(rate, inclusive)
        if rate.stripe_id and rate.stripe_signature == wanted:
            continue
        digest = hashlib.sha256(wanted.encode()).hexdigest()[:16]
        try:
            made = await client.v1.tax_rates.create_async(
                _params(rate, inclusive),
                {"idempotency_key": f"vitrina:tax_rate:{rate.id}:{digest}:{rate.stripe_id}"},
            )
            if rate.stripe_id and rate.stripe_id != made.id:
                await client.v1.tax_rates.update_async(rate.stripe_id, {"active": False})
        except stripe.StripeError as exc:
            raise stripe_error(exc, action="set up the tax rates") from exc
        log.info("tax_rate_synced", tax_rate_id=rate.id, stripe_id=made.id)
        rate.stripe_id, rate.stripe_signature = made.id, wanted
