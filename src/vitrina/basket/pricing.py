"""What a basket costs, computed exactly as Stripe computes a Checkout Session's totals.

subtotal = sum(unit price x quantity); discount = `percent_of(subtotal, coupon.discount)`
(half up, as Stripe rounds a percent-off coupon); shipping is the store's one fixed rate, added
after the discount; total = subtotal - discount + shipping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from vitrina.catalog.models import Product
from vitrina.coupons.models import DiscountCoupon
from vitrina.kit.money import percent_of, to_decimal

MINIMUM_CHARGE = {
    "usd": 50, "aed": 200, "aud": 50, "bgn": 100, "brl": 50, "cad": 50, "chf": 50,
    "czk": 1500, "dkk": 250, "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500, "inr": 50,
    "jpy": 50, "mxn": 1000, "myr": 200, "nok": 300, "nzd": 50, "pln": 200, "ron": 200,
    "sek": 300, "sgd": 50, "thb": 1000,
}  # fmt: skip
"""Stripe's minimum charge per currency (minor units): it refuses a payment between zero and
this; a zero total (a 100 % coupon) is fine."""


@dataclass(frozen=True)
class QuoteLine:
    product_id: int
    name: str
    unit_price: int
    quantity: int

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity

    def snapshot(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
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

    @property
    def subtotal(self) -> int:
        return sum(line.line_total for line in self.lines)

    @property
    def discount(self) -> int:
        return percent_of(self.subtotal, self.percent) if self.percent is not None else 0

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

    def items_snapshot(self) -> list[dict[str, Any]]:
        return [line.snapshot() for line in self.lines]


def quote(
    lines: Sequence[tuple[Product, int]],
    coupon: DiscountCoupon | None,
    *,
    currency: str,
    shipping_amount: int,
) -> Quote:
    return Quote(
        currency=currency,
        lines=tuple(QuoteLine(p.id, p.name, p.price, quantity) for p, quantity in lines),
        shipping=shipping_amount if lines else 0,
        coupon_id=coupon.id if coupon else None,
        coupon_number=coupon.number if coupon else None,
        percent=Decimal(coupon.discount) if coupon else None,
    )
