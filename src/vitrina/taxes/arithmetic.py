"""Tax on a basket, computed exactly as Stripe computes a Checkout Session's tax.

The discount is spread over the lines in proportion to their amounts (largest remainder, so
the parts add up to the whole); each line's tax, per rate, is on its amount after its share,
rounded half up on its own (Stripe rounds tax per line item). Inclusive rates are extracted
(rate i takes A x p_i / (100 + sum of inclusive p)); exclusive rates are added to the rest.
Three-decimal currencies round to tens of minor units, as Stripe charges them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from vitrina.kit.money import THREE_DECIMAL


@dataclass(frozen=True)
class LineTax:
    amount: int
    """All tax on the line."""
    added: int
    """The part added on top of the price (exclusive rates)."""


def quantum(currency: str) -> int:
    return 10 if currency.lower() in THREE_DECIMAL else 1


def _round(exact: Decimal, step: int) -> int:
    return int((exact / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * step


def spread(total: int, weights: Sequence[int], step: int = 1) -> list[int]:
    """`total` split over `weights` in multiples of `step` that add up to `total`."""
    units, rest = divmod(total, step)
    whole = sum(weights)
    if whole == 0 or total == 0:
        return [0 for _ in weights]
    exact = [Decimal(units) * w / whole for w in weights]
    parts = [int(e) for e in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in by_remainder[: units - sum(parts)]:
        parts[i] += 1
    scaled = [p * step for p in parts]
    scaled[max(range(len(weights)), key=lambda i: weights[i])] += rest
    return scaled


def line_tax(amount: int, rates: Sequence[tuple[Decimal, bool]], step: int = 1) -> LineTax:
    """Tax of `(percentage, inclusive)` rates on a line of `amount` (after its discount)."""
    inclusive_sum = sum((p for p, inclusive in rates if inclusive), Decimal(0))
    included = [
        _round(amount * p / (100 + inclusive_sum), step) for p, inclusive in rates if inclusive
    ]
    taxable = amount - sum(included)
    added = [_round(taxable * p / 100, step) for p, inclusive in rates if not inclusive]
    return LineTax(sum(included) + sum(added), sum(added))


def basket_tax(
    amounts: Sequence[int],
    discount: int,
    rates: Sequence[Sequence[tuple[Decimal, bool]]],
    currency: str,
) -> list[LineTax]:
    """Each line's tax, the discount spread over the lines first."""
    step = quantum(currency)
    shares = spread(discount, amounts, step)
    return [
        line_tax(amount - share, line_rates, step)
        for amount, share, line_rates in zip(amounts, shares, rates, strict=True)
    ]
