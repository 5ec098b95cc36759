"""The other features' functions this one calls, in one place.

INTERIM: coupons (`find_coupon_by_code`, `validate_coupon_for`) and stripe sync
(`ensure_coupon_in_stripe`) have not landed yet; until they do, the stand-ins of
`vitrina.basket.interim` are used. Replace with plain imports once they exist.
"""

from __future__ import annotations

from vitrina.basket.interim import (
    ensure_coupon_in_stripe,
    find_coupon_by_code,
    validate_coupon_for,
)
from vitrina.catalog.service import get_products_by_ids, lock_products

__all__ = [
    "ensure_coupon_in_stripe",
    "find_coupon_by_code",
    "get_products_by_ids",
    "lock_products",
    "validate_coupon_for",
]
