"""The shopper's currency as the basket and pages use it: a default-currency amount in, the
amount to show and charge out (a hand-set variant price when there is one)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from vitrina.currencies.conversion import Rounding, convert


@dataclass(frozen=True)
class Pricing:
    """Amounts in `currency`, converted from `default` at `rate`."""

    default: str
    currency: str
    rate: Decimal = Decimal(1)
    rounding: Rounding = Rounding.NONE
    explicit: Mapping[int, int] = field(default_factory=dict)
    """Variant id -> its hand-set price in `currency`."""

    @property
    def is_default(self) -> bool:
        return self.currency == self.default

    def price(self, amount: int, variant_id: int | None = None) -> int:
        """A product's (or variant's) price: hand-set, else converted with the rounding rule."""
        if variant_id is not None and variant_id in self.explicit:
            return self.explicit[variant_id]
        return convert(amount, self.default, self.currency, self.rate, self.rounding)

    def amount(self, amount: int) -> int:
        """Any other amount (shipping, a free-over threshold): converted, no price endings."""
        return convert(amount, self.default, self.currency, self.rate)

    def at_least(self, shown: int, ceiling: int) -> int:
        """The smallest default-currency price up to `ceiling` that `price` shows as `shown`
        or more (`ceiling` + 1 if none): the exact inverse of the rounding rule, found by
        bisection (conversion never shows a dearer price as a cheaper one)."""
        low, high = 0, ceiling + 1
        while low < high:
            middle = (low + high) // 2
            if self.price(middle) >= shown:
                high = middle
            else:
                low = middle + 1
        return low

    def in_default(self, shown: int, *, upper: bool, ceiling: int) -> int:
        """A price filter's bound typed in `currency`, in the default currency: the lowest
        price shown at `shown` or more, or (`upper`, inclusive) the highest shown at `shown`
        or less, so that the filter keeps exactly the prices the shopper sees inside it."""
        if self.is_default:
            return shown
        if upper:
            return self.at_least(shown + 1, ceiling) - 1
        return self.at_least(shown, ceiling)


def in_default(default: str) -> Pricing:
    return Pricing(default, default)
