"""Deterministic Stripe ids, lookup keys and idempotency keys derived from local rows.

A retried create can never make a twin: products and coupons get caller-chosen ids, prices a
lookup key per (product, currency, amount), and promotion codes are unique among active codes.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal

from vitrina.kit.clock import to_unix

PRODUCT_PREFIX = "vitrina_prod_"
COUPON_PREFIX = "vitrina_coupon_"
VARIANT_KEY = "vitrina_variant_id"
"""The metadata key naming the variant a Price sells (a product's own Prices have none)."""
DAY = 24 * 60 * 60
STRIPE_REDEEM_BY_LIMIT = 5 * 365 * DAY
"""Stripe refuses a coupon `redeem_by` more than five years ahead."""
REDEEM_BY_MARGIN = 2 * DAY
"""Room for clock skew between the store and Stripe, and for the day-rounding below."""


def product_stripe_id(local_id: int) -> str:
    return f"{PRODUCT_PREFIX}{local_id}"


def product_local_id(stripe_id: str) -> int | None:
    tail = stripe_id.removeprefix(PRODUCT_PREFIX)
    return int(tail) if tail != stripe_id and tail.isdigit() else None


def price_lookup_key(local_id: int, currency: str, amount: int) -> str:
    return f"{product_stripe_id(local_id)}_{currency.lower()}_{amount}"


def variant_lookup_key(variant_id: int, sku: str | None) -> str:
    """A variant Price's lookup key: the variant's SKU, else one made from its id."""
    return sku or f"vitrina_variant_{variant_id}"


def terms_fingerprint(discount: Decimal | float, end_at: int) -> str:
    """Eight hex characters naming a coupon's immutable terms (percent and expiry)."""
    terms = f"{Decimal(str(discount)).quantize(Decimal('0.01'))}|{end_at}"
    return hashlib.sha256(terms.encode()).hexdigest()[:8]


def coupon_stripe_id(local_id: int, discount: Decimal | float, end_at: int) -> str:
    return f"{COUPON_PREFIX}{local_id}_{terms_fingerprint(discount, end_at)}"


def amount_fingerprint(
    currency: str, amount_off: int, options: tuple[tuple[str, int], ...], end_at: int
) -> str:
    """Eight hex characters naming an amount-off coupon's immutable terms: its amount, its
    amount in every other currency (`currency_options`) and its expiry."""
    others = ",".join(f"{code}={amount}" for code, amount in sorted(options))
    terms = f"amount|{currency.lower()}|{amount_off}|{others}|{end_at}"
    return hashlib.sha256(terms.encode()).hexdigest()[:8]


def amount_coupon_stripe_id(
    local_id: int,
    currency: str,
    amount_off: int,
    options: tuple[tuple[str, int], ...],
    end_at: int,
) -> str:
    return f"{COUPON_PREFIX}{local_id}_{amount_fingerprint(currency, amount_off, options, end_at)}"


def coupon_local_id(stripe_id: str) -> int | None:
    tail = stripe_id.removeprefix(COUPON_PREFIX)
    head, _, fingerprint = tail.partition("_")
    if tail == stripe_id or not head.isdigit() or len(fingerprint) != 8:
        return None
    return int(head)


def redeem_by(end_at: int, now: datetime) -> int:
    """The coupon's expiry as Stripe can hold it: at most five years ahead, less a margin.

    Stripe's coupon then stops at that cap while the store enforces the real `end_at`.
    Rounding `now` down to the day keeps the parameters (and so idempotent retries) stable.
    """
    today = to_unix(now) // DAY * DAY
    return min(end_at, today + STRIPE_REDEEM_BY_LIMIT - REDEEM_BY_MARGIN)


def idempotency_key(kind: str, local_id: int, version: int, attempt: int = 0) -> str:
    """The prefix of every key for one delivery: `vitrina:<kind>:<id>:v<version>[:r<n>]`.

    A retry after a failed attempt gets a fresh suffix, because Stripe replays a stored
    error (even a 500) for 24 hours under the same key; the deterministic ids above keep
    those retries from making twins.
    """
    base = f"vitrina:{kind}:{local_id}:v{version}"
    return f"{base}:r{attempt}" if attempt else base


def tombstone_key(tombstone_id: int, attempt: int = 0) -> str:
    """The key prefix for delivering one tombstone: `vitrina:tombstone:<id>[:r<n>]`."""
    base = f"vitrina:tombstone:{tombstone_id}"
    return f"{base}:r{attempt}" if attempt else base
