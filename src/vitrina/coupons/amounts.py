"""An amount-off coupon's amount in a currency: set by hand for it, else the default amount
converted at the rate table's rate by the one conversion function (`currencies.conversion`,
no price endings: a discount is not a price), so the basket and the Stripe coupon's
`currency_options` always agree."""

from __future__ import annotations

from decimal import Decimal

from vitrina.coupons.models import DiscountCoupon
from vitrina.currencies.conversion import convert


def amount_in(coupon: DiscountCoupon, currency: str, default: str, rate: Decimal) -> int | None:
    """Minor units of `currency` the coupon takes off (None for a percent coupon)."""
    if coupon.amount_off is None:
        return None
    if currency == default:
        return coupon.amount_off
    explicit = coupon.amount_set_in(currency)
    if explicit is not None:
        return explicit
    return convert(coupon.amount_off, default, currency, rate)
