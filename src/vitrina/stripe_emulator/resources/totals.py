"""Checkout totals, computed the way Stripe computes them.

- `amount_subtotal` = sum over line items of `unit_amount * quantity`.
- A `percent_off` coupon takes round-half-up(eligible_subtotal * percent_off / 100), in
  `Decimal` so that 22.5 % of 1 999 is exactly 449.775 -> 450 (floats would drift). The
  store re-implements this formula on its side; a test compares both numbers.
- An `amount_off` coupon takes `min(amount_off, eligible_subtotal)`: a total never goes
  below zero.
- The discount is spread over the eligible line items in proportion to their amounts
  (largest remainder, so the parts add up to the whole).
- `amount_total` = subtotal - discount + shipping.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def percent_discount(subtotal: int, percent_off: Decimal | float) -> int:
    exact = Decimal(subtotal) * Decimal(str(percent_off)) / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def amount_discount(subtotal: int, amount_off: int) -> int:
    return min(amount_off, subtotal)


def distribute(total: int, weights: list[int]) -> list[int]:
    """Split `total` over `weights` proportionally, in whole units that sum to `total`."""
    whole = sum(weights)
    if whole == 0 or total == 0:
        return [0 for _ in weights]
    exact = [Decimal(total) * w / whole for w in weights]
    parts = [int(e) for e in exact]
    leftover = total - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in by_remainder[:leftover]:
        parts[i] += 1
    return parts
