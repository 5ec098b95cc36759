"""Which shipping methods a parcel can take to a zone, and what each costs (pure functions).

Stripe Checkout shows at most five `shipping_options` and preselects the first, so the
options are sorted cheapest first (then by the staff's order) and cut at five: the total the
store computes before Checkout (with the first option) is the one Stripe shows first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vitrina.shipping.models import MethodKind

MAX_OPTIONS = 5
"""Stripe's limit on a Checkout Session's `shipping_options`."""


@dataclass(frozen=True)
class Method:
    """A shipping method as the rules see it (a row, or the settings' default)."""

    id: int | None
    name: str
    kind: MethodKind
    amount: int = 0
    weight_tiers: tuple[tuple[int, int], ...] = ()
    """(up to grams, amount), lightest first."""
    free_over: int | None = None
    min_days: int | None = None
    max_days: int | None = None
    position: int = 0


@dataclass(frozen=True)
class Zone:
    id: int | None
    name: str
    countries: tuple[str, ...]
    methods: tuple[Method, ...] = field(default=())


@dataclass(frozen=True)
class Parcel:
    """What is shipped: its weight and what the goods come to after the discount."""

    weight_grams: int
    goods_amount: int


@dataclass(frozen=True)
class ShippingOption:
    """One option offered to the shopper (sent to Stripe as `shipping_rate_data`)."""

    method_id: int | None
    name: str
    amount: int
    min_days: int | None = None
    max_days: int | None = None

    def snapshot(self, rate_id: str | None = None) -> dict[str, Any]:
        return {
            "method_id": self.method_id,
            "name": self.name,
            "amount": self.amount,
            "min_days": self.min_days,
            "max_days": self.max_days,
            "rate": rate_id,
        }


def method_amount(method: Method, parcel: Parcel) -> int | None:
    """What `method` costs for `parcel`, or None when it cannot take it."""
    if method.kind is MethodKind.FREE_OVER:
        threshold = method.free_over or 0
        return 0 if parcel.goods_amount >= threshold else None
    if method.kind is MethodKind.WEIGHT:
        for up_to, amount in method.weight_tiers:
            if parcel.weight_grams <= up_to:
                return amount
        return None
    return method.amount


def options_for(zone: Zone, parcel: Parcel) -> list[ShippingOption]:
    """The zone's methods that can take the parcel: cheapest first, at most five."""
    priced: list[tuple[int, int, ShippingOption]] = []
    for method in zone.methods:
        amount = method_amount(method, parcel)
        if amount is None:
            continue
        option = ShippingOption(method.id, method.name, amount, method.min_days, method.max_days)
        priced.append((amount, method.position, option))
    priced.sort(key=lambda entry: (entry[0], entry[1]))
    return [option for _, _, option in priced[:MAX_OPTIONS]]


def zone_for(zones: Sequence[Zone], country: str | None) -> Zone | None:
    """The first zone that lists `country`; with no country, the first zone."""
    if country is None:
        return zones[0] if zones else None
    return next((zone for zone in zones if country in zone.countries), None)


def parse_countries(text: str | None) -> tuple[str, ...]:
    """ "us, de,FR" -> ("US", "DE", "FR"); None or blank -> ()."""
    if not text:
        return ()
    return tuple(dict.fromkeys(c.strip().upper() for c in text.split(",") if c.strip()))
