"""A synced Stripe Price's `currency_options`: its amount in every currency the store has
enabled, converted exactly as the basket converts it (`currencies/conversion.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.currencies.conversion import Rounding, convert
from vitrina.currencies.models import StoreCurrency


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
