"""Tax rates, and which apply to a basket's lines.

TAX_MODE=manual: a line bears the active rates of its product's tax class for the country it
ships to: the region's own rates when the shopper's region has some, else the country's
(region-less) ones. TAX_MODE=automatic: Stripe Tax decides; the store only marks its prices
inclusive or exclusive (PRICES_INCLUDE_TAX). TAX_MODE=off: no tax.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.config import Settings
from vitrina.errors import Conflict, NotFound, Unprocessable
from vitrina.taxes.arithmetic import basket_tax
from vitrina.taxes.models import TaxClass, TaxRate
from vitrina.taxes.schemas import TaxRateIn, TaxRateUpdate


class Taxable(Protocol):
    """What taxes read of a line's goods (a product, or the variant checkout sells)."""

    @property
    def tax_class(self) -> str: ...
    @property
    def price(self) -> int: ...
    @property
    def currency(self) -> str: ...


TaxBehavior = Literal["inclusive", "exclusive"]


@dataclass(frozen=True)
class TaxSetup:
    """What Checkout gets: the prices' behaviour, and per line its rates (manual mode)."""

    behavior: TaxBehavior | None = None
    automatic: bool = False
    line_rates: list[list[TaxRate]] = field(default_factory=list)

    def stripe_ids(self) -> list[list[str]]:
        """Per line, the Stripe Tax Rates of its rates (made by `ensure_tax_rates_in_stripe`)."""
        return [[r.stripe_id for r in rates if r.stripe_id] for rates in self.line_rates]

    @property
    def rates(self) -> list[TaxRate]:
        """Every rate used, once."""
        return list({rate.id: rate for rates in self.line_rates for rate in rates}.values())


def behavior(settings: Settings) -> TaxBehavior:
    return "inclusive" if settings.prices_include_tax else "exclusive"


async def rates_for(
    session: AsyncSession, country: str, region: str | None = None
) -> dict[TaxClass, list[TaxRate]]:
    """The active rates for an address, by tax class (the region's own rates win)."""
    rows = await session.scalars(
        select(TaxRate)
        .where(TaxRate.country == country.upper(), TaxRate.is_active.is_(True))
        .order_by(TaxRate.id)
    )
    found: dict[TaxClass, list[TaxRate]] = {}
    regional: dict[TaxClass, list[TaxRate]] = {}
    wanted = region.upper() if region else None
    for rate in rows:
        if rate.region is None:
            found.setdefault(rate.tax_class, []).append(rate)
        elif rate.region == wanted:
            regional.setdefault(rate.tax_class, []).append(rate)
    return {**found, **regional}


async def checkout_taxes(
    session: AsyncSession,
    settings: Settings,
    country: str | None,
    products: Sequence[Taxable],
    region: str | None = None,
) -> TaxSetup:
    """The taxes for a checkout shipping to `country` (manual mode needs one)."""
    if settings.tax_mode == "off":
        return TaxSetup()
    if settings.tax_mode == "automatic":
        return TaxSetup(behavior(settings), automatic=True)
    if country is None:
        return TaxSetup(behavior(settings), line_rates=[[] for _ in products])
    by_class = await rates_for(session, country, region)
    return TaxSetup(
        behavior(settings),
        line_rates=[by_class.get(TaxClass(p.tax_class), []) for p in products],
    )


@dataclass(frozen=True)
class BasketTax:
    """The basket's tax as the shopper sees it before Checkout: `amount` (None: Stripe
    computes it at checkout, from the address it collects) and whether prices include it."""

    amount: int | None
    included: bool
    added: int = 0


async def basket_tax_estimate(
    session: AsyncSession,
    settings: Settings,
    country: str | None,
    lines: Sequence[tuple[Taxable, int]],
    discount: int,
) -> BasketTax | None:
    """None when the store charges no tax (TAX_MODE=off)."""
    included = settings.prices_include_tax
    if settings.tax_mode == "off":
        return None
    if settings.tax_mode == "automatic" or country is None or not lines:
        return BasketTax(None, included)
    setup = await checkout_taxes(session, settings, country, [p for p, _ in lines])
    inclusive = setup.behavior == "inclusive"
    taxes = basket_tax(
        [p.price * quantity for p, quantity in lines],
        discount,
        [[(r.percentage, inclusive) for r in rates] for rates in setup.line_rates],
        lines[0][0].currency.lower(),
    )
    return BasketTax(sum(t.amount for t in taxes), included, sum(t.added for t in taxes))


# Staff ---------------------------------------------------------------------------------


async def list_rates(session: AsyncSession, country: str | None = None) -> list[TaxRate]:
    query = select(TaxRate).order_by(TaxRate.country, TaxRate.region, TaxRate.tax_class)
    if country:
        query = query.where(TaxRate.country == country.upper())
    return list(await session.scalars(query))


async def get_rate(session: AsyncSession, rate_id: int) -> TaxRate:
    rate = await session.get(TaxRate, rate_id)
    if rate is None:
        raise NotFound(f"Tax rate {rate_id} not found.")
    return rate


async def _check_unique(session: AsyncSession, rate: TaxRate) -> None:
    clash = await session.scalar(
        select(TaxRate.id).where(
            TaxRate.country == rate.country,
            TaxRate.region.is_(None) if rate.region is None else TaxRate.region == rate.region,
            TaxRate.tax_class == rate.tax_class,
            TaxRate.display_name == rate.display_name,
            TaxRate.id != (rate.id or 0),
        )
    )
    if clash is not None:
        raise Conflict(
            f"{rate.country} already has a {rate.display_name} rate for the {rate.tax_class} "
            "class; change that one.",
            field="display_name",
        )


async def create_rate(session: AsyncSession, data: TaxRateIn) -> TaxRate:
    rate = TaxRate(**data.model_dump())
    await _check_unique(session, rate)
    session.add(rate)
    await session.flush()
    return rate


async def update_rate(session: AsyncSession, rate_id: int, data: TaxRateUpdate) -> TaxRate:
    rate = await get_rate(session, rate_id)
    for key, value in data.model_dump(exclude_unset=True).items():
        if value is None and key != "region":
            raise Unprocessable(f"{key} cannot be empty.", field=key)
        setattr(rate, key, value)
    await _check_unique(session, rate)
    await session.flush()
    return rate


async def delete_rate(session: AsyncSession, rate_id: int) -> None:
    """Removes the rate from the store; its Stripe Tax Rate (if any) stays, as Stripe keeps
    every rate an invoice or session used."""
    await session.delete(await get_rate(session, rate_id))
    await session.flush()
