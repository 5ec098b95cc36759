"""The other features' functions this one calls, in one place."""

from __future__ import annotations

from vitrina.catalog.service import get_products_by_ids, lock_products
from vitrina.coupons.service import find_coupon_by_code, validate_coupon_for
from vitrina.payments.sync import ensure_coupon_in_stripe

__all__ = [
    "ensure_coupon_in_stripe",
    "find_coupon_by_code",
    "get_products_by_ids",
    "lock_products",
    "validate_coupon_for",
]
