"""What a basket costs, computed exactly as Stripe computes a Checkout Session's totals.

subtotal = sum(unit price x quantity); discount = `percent_of(subtotal, coupon.discount)`
(half up, as Stripe rounds a percent-off coupon; in tens in three-decimal currencies), or
for an amount-off coupon min(its amount in the basket's currency, subtotal), as Stripe takes
`amount_off` (or the `currency_options` amount) from a session's subtotal, never below zero;
shipping is the option Stripe preselects, added after the discount;
total = subtotal - discount + shipping. Lines are in the shopper's currency (`priced_in`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from vitrina.basket.sold import Sold
from vitrina.coupons.amounts import amount_in
from vitrina.coupons.models import DiscountCoupon
from vitrina.currencies.pricing import Pricing
from vitrina.kit.money import charge_step, percent_of, to_decimal
from vitrina.payments.checkout_session import ProductLike, name_in

MINIMUM_CHARGE = {
    "usd": 50, "aed": 200, "aud": 50, "bgn": 100, "brl": 50, "cad": 50, "chf": 50,
    "czk": 1500, "dkk": 250, "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500, "inr": 50,
    "jpy": 50, "mxn": 1000, "myr": 200, "nok": 300, "nzd": 50, "pln": 200, "ron": 200,
    "sek": 300, "sgd": 50, "thb": 1000,
}  # fmt: skip
"""Stripe's minimum charge per currency (minor units): it refuses a payment between zero and
this; a zero total (a 100 % coupon) is fine."""
MAXIMUM_CHARGE = 99_999_999
"""Stripe's ceiling on one charge, in minor units of any currency (an amount has at most 8
digits: 999,999.99 in a two-decimal currency); it refuses a Checkout Session above it."""


@dataclass(frozen=True)
class QuoteLine:
    product_id: int
    name: str
    unit_price: int
    quantity: int
    variant_id: int | None = None
    sku: str | None = None
    options: str = ""

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity

    def snapshot(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "variant_id": self.variant_id,
            "sku": self.sku,
            "options": self.options,
            "name": self.name,
            "unit_price": self.unit_price,
            "quantity": self.quantity,
            "line_total": self.line_total,
        }


@dataclass(frozen=True)
class Quote:
    currency: str
    lines: tuple[QuoteLine, ...]
    shipping: int
    coupon_id: int | None = None
    coupon_number: str | None = None
    percent: Decimal | None = None
    amount_off: int | None = None
    """An amount-off coupon's amount in `currency`."""

    @property
    def subtotal(self) -> int:
        return sum(line.line_total for line in self.lines)

    @property
    def discount(self) -> int:
        if self.amount_off is not None:
            return max(0, min(self.amount_off, self.subtotal))
        if self.percent is None:
            return 0
        return min(
            percent_of(self.subtotal, self.percent, charge_step(self.currency)), self.subtotal
        )

    @property
    def total(self) -> int:
        return self.subtotal - self.discount + self.shipping

    def below_minimum_charge(self) -> str | None:
        """A message for a total Stripe would refuse as too small, else None."""
        minimum = MINIMUM_CHARGE.get(self.currency)
        if minimum is None or not 0 < self.total < minimum:
            return None
        code = self.currency.upper()
        return (
            f"The minimum order is {to_decimal(minimum, self.currency)} {code}; "
            f"this basket comes to {to_decimal(self.total, self.currency)} {code}."
        )

    def above_maximum_charge(self) -> str | None:
        """A message for a total Stripe would refuse as too large, else None."""
        if self.total <= MAXIMUM_CHARGE:
            return None
        code = self.currency.upper()
        return (
            f"An order can come to at most {to_decimal(MAXIMUM_CHARGE, self.currency)} {code}; "
            f"this basket comes to {to_decimal(self.total, self.currency)} {code}. "
            "Split it into smaller orders."
        )

    def charge_problem(self) -> str | None:
        """Why Stripe would refuse to charge this total (too small or too large), else None."""
        return self.below_minimum_charge() or self.above_maximum_charge()

    def items_snapshot(self) -> list[dict[str, Any]]:
        return [line.snapshot() for line in self.lines]


def quote(
    lines: Sequence[tuple[Sold | ProductLike, int]],
    coupon: DiscountCoupon | None,
    *,
    pricing: Pricing,
    shipping_amount: int,
    language: str | None = None,
) -> Quote:
    """The basket's price in `pricing`'s currency (lines already repriced into it, of
    variants, or of products as the seed passes them); each line named as the shopper in
    `language` sees the product and its variant's options (on Stripe's page too), which is
    the name it is sold under."""
    return Quote(
        currency=pricing.currency,
        lines=tuple(
            QuoteLine(
                p.id,
                name_in(p, language),
                p.price,
                quantity,
                variant_id=getattr(p, "variant_id", None),
                sku=getattr(p, "sku", None),
                options=_options_in(p, language),
            )
            for p, quantity in lines
        ),
        shipping=shipping_amount if lines else 0,
        coupon_id=coupon.id if coupon else None,
        coupon_number=coupon.number if coupon else None,
        percent=Decimal(coupon.discount) if coupon and coupon.discount is not None else None,
        amount_off=(
            amount_in(coupon, pricing.currency, pricing.default, pricing.rate) if coupon else None
        ),
    )


def _options_in(sold: Sold | ProductLike, language: str | None) -> str:
    if not isinstance(sold, Sold):
        return ""
    return sold.option_texts.get(language or "", sold.options)
