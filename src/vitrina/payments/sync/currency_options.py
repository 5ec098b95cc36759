"""A synced Stripe Price's `currency_options`: its amount in every currency the store has
enabled, converted exactly as the basket converts it (`currencies/conversion.py`), or set
by hand for the variant (`targets.py`); and bringing a reused Price's options up to date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import stripe
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.currencies.conversion import Rounding, convert
from vitrina.currencies.models import StoreCurrency
from vitrina.payments.sync.stripe_io import Delivery


@dataclass(frozen=True)
class EnabledRate:
    code: str
    rate: Decimal
    rounding: Rounding


async def enabled_rates(session: AsyncSession) -> tuple[EnabledRate, ...]:
    rows = await session.scalars(
        select(StoreCurrency).where(StoreCurrency.is_enabled.is_(True)).order_by(StoreCurrency.code)
    )
    return tuple(EnabledRate(r.code, r.rate, r.rounding) for r in rows)


def currency_options(
    amount: int, currency: str, rates: Sequence[EnabledRate]
) -> dict[str, dict[str, int]]:
    """`{"eur": {"unit_amount": 1850}, ...}` for a Price of `amount` in `currency` (the
    store's default); its own currency is never among them (Stripe refuses that)."""
    return {
        r.code: {"unit_amount": convert(amount, currency, r.code, r.rate, r.rounding)}
        for r in rates
        if r.code != currency.lower()
    }


async def converge_currency_options(
    delivery: Delivery, price: stripe.Price, wanted: Sequence[tuple[str, int]], step: str
) -> stripe.Price:
    """Give a Price the store reuses (same amount in its own currency) the amounts `wanted`
    in other currencies: a new rate or a hand-set price changes them, and Stripe updates a
    Price's `currency_options` in place. No call when nothing else is enabled; one read
    (Stripe sends the options only when expanded) and at most one update otherwise."""
    if not wanted:
        return price
    delivery.guard()
    current = await delivery.client.v1.prices.retrieve_async(
        price.id, {"expand": ["currency_options"]}
    )
    options = current.currency_options.to_dict() if current.currency_options else {}
    shown = {code: option.get("unit_amount") for code, option in options.items()}
    stale = [(code, amount) for code, amount in wanted if shown.get(code) != amount]
    if not stale:
        return current
    return await delivery.client.v1.prices.update_async(
        price.id,
        {"currency_options": {code: {"unit_amount": amount} for code, amount in wanted}},
        delivery.options(f"{step}-options-" + "-".join(f"{c}{a}" for c, a in wanted)),
    )
