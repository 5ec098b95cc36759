"""Converting an amount from the store's default currency to another: one pure function.

Integer minor units in, integer minor units out; the rate (units of the target per unit of
the default) is a Decimal, and every rounding is half up. What may be charged is what Stripe
accepts: whole minor units, and in three-decimal currencies (KWD, BHD, ...) a multiple of 10
(https://docs.stripe.com/currencies#three-decimal).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from vitrina.kit.money import charge_step, minor_unit_exponent


class Rounding(StrEnum):
    NONE = "none"
    """To the smallest amount the currency charges (a cent; ten fils in KWD)."""
    WHOLE = "whole"
    """To whole major units (1 EUR, 1 JPY, 1 KWD)."""
    CHARM = "99"
    """To the nearest price ending in .99 (JPY: in 99, as ¥1,299; KWD: in .990)."""


def _unit(currency: str) -> int:
    """One major unit in minor units, or for zero-decimal currencies the hundred that charm
    prices end below (¥1,299)."""
    exponent = minor_unit_exponent(currency)
    return 10**exponent if exponent else 100


def _half_up(value: Decimal, step: int) -> int:
    return int((value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * step


def convert(
    amount: int,
    source: str,
    target: str,
    rate: Decimal,
    rounding: Rounding = Rounding.NONE,
) -> int:
    """`amount` minor units of `source` in `target` at `rate`, rounded by `rounding`.

    Zero stays zero (free shipping stays free); any other amount is at least one step."""
    if source.lower() == target.lower():
        return amount
    if amount == 0:
        return 0
    exact = Decimal(amount).scaleb(
        minor_unit_exponent(target) - minor_unit_exponent(source)
    ) * Decimal(rate)
    step = charge_step(target)
    if rounding is Rounding.WHOLE:
        whole: int = 10 ** minor_unit_exponent(target)
        return max(_half_up(exact, whole), whole)
    if rounding is Rounding.CHARM:
        unit, below = _unit(target), (1 if minor_unit_exponent(target) == 0 else step)
        return max(_half_up(exact + below, unit), unit) - below
    return max(_half_up(exact, step), step)
