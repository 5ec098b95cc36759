"""Checkout totals, computed the way Stripe computes them.

- `amount_subtotal` = sum over line items of `unit_amount * quantity` (inclusive tax, when a
  price includes it, is part of the subtotal).
- A `percent_off` coupon takes round-half-up(eligible_subtotal * percent_off / 100), in
  `Decimal` so that 22.5 % of 1 999 is exactly 449.775 -> 450 (floats would drift). The
  store re-implements this formula on its side; a test compares both numbers.
- An `amount_off` coupon takes `min(amount_off, eligible_subtotal)`: a total never goes
  below zero.
- The discount is spread over the eligible line items in proportion to their amounts
  (largest remainder, so the parts add up to the whole).
- Tax, per line and per rate, on the line's amount after its share of the discount, each
  amount rounded half up to the minor unit on its own and then summed (Stripe rounds tax per
  line item: https://support.stripe.com/questions/rounding-rules-for-stripe-fees, whose
  example rounds 15 % of $0.43 = 0.0645 to 0.06 and of $4.84 = 0.7265 to 0.73, total 0.79).
  Inclusive rates are extracted: with inclusive rates p1..pn on a line of amount A, rate i
  takes A * pi / (100 + p1 + ... + pn); the rest, A minus those taxes, is the taxable
  amount. Exclusive rates are added: rate j takes taxable * pj / 100.
- `amount_total` = subtotal - discount + exclusive tax + shipping (+ its exclusive tax).
- Three-decimal currencies round to a multiple of 10 minor units instead of 1 (Stripe
  charges them only in tens).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal


def round_half_up(exact: Decimal, quantum: int = 1) -> int:
    """The nearest multiple of `quantum`, halves rounded up (amounts are never negative)."""
    units = (exact / quantum).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(units) * quantum


def percent_discount(subtotal: int, percent_off: Decimal | float, quantum: int = 1) -> int:
    exact = Decimal(subtotal) * Decimal(str(percent_off)) / Decimal(100)
    return min(subtotal, round_half_up(exact, quantum))


def amount_discount(subtotal: int, amount_off: int) -> int:
    return min(amount_off, subtotal)


def distribute(total: int, weights: list[int], quantum: int = 1) -> list[int]:
    """Split `total` over `weights` proportionally, in multiples of `quantum` that sum to
    `total` (a remainder below one quantum goes to the heaviest weight)."""
    units, rest = divmod(total, quantum)
    whole = sum(weights)
    if whole == 0 or total == 0:
        return [0 for _ in weights]
    exact = [Decimal(units) * w / whole for w in weights]
    parts = [int(e) for e in exact]
    leftover = units - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in by_remainder[:leftover]:
        parts[i] += 1
    scaled = [p * quantum for p in parts]
    scaled[max(range(len(weights)), key=lambda i: weights[i])] += rest
    return scaled


def line_taxes(
    amount: int, rates: Sequence[tuple[Decimal, bool]], quantum: int = 1
) -> tuple[list[int], int]:
    """Tax of each `(percentage, inclusive)` rate on a line of `amount` (after discount),
    and the line's taxable amount (`amount` less its inclusive taxes)."""
    inclusive_sum = sum((p for p, inclusive in rates if inclusive), Decimal(0))
    taxes = [
        round_half_up(amount * p / (100 + inclusive_sum), quantum) if inclusive else 0
        for p, inclusive in rates
    ]
    taxable = amount - sum(taxes)
    for i, (p, inclusive) in enumerate(rates):
        if not inclusive:
            taxes[i] = round_half_up(taxable * p / 100, quantum)
    return taxes, taxable
