"""A basket's lines in the shopper's currency: each variant's hand-set price in it, else its
price converted from the store's default currency (`currencies/`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.basket.sold import Sold
from vitrina.config import Settings
from vitrina.currencies.pricing import Pricing
from vitrina.currencies.service import pricing_for


def reprice(sold: Iterable[Sold], pricing: Pricing) -> None:
    """Sell `sold` at their prices in `pricing`'s currency (the default: as they are)."""
    if pricing.is_default:
        return
    for line in sold:
        line.priced_in(pricing.currency, pricing.price(line.variant.price, line.variant_id))


async def price_in(
    session: AsyncSession, settings: Settings, sold: Sequence[Sold], currency: str | None
) -> Pricing:
    """Reprice `sold` in `currency` (None: the default); 422 for a currency the store does
    not sell in."""
    pricing = await pricing_for(session, settings, currency, [s.variant_id for s in sold])
    reprice(sold, pricing)
    return pricing
