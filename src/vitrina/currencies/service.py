"""The store's currencies: which the shopper may pick, at what rate, and the staff's table."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import Product, ProductVariant
from vitrina.config import Settings
from vitrina.coupons import service as coupons
from vitrina.currencies.conversion import Rounding
from vitrina.currencies.models import StoreCurrency, VariantPrice
from vitrina.currencies.pricing import Pricing, in_default
from vitrina.currencies.schemas import CurrencyIn, VariantPriceIn
from vitrina.errors import NotFound, Unprocessable
from vitrina.kit.money import minor_unit_exponent

SUPPORTED = frozenset(
    [
        "usd",
        "eur",
        "gbp",
        "jpy",
        "rub",
        "chf",
        "cad",
        "aud",
        "nzd",
        "sek",
        "nok",
        "dkk",
        "pln",
        "czk",
        "huf",
        "ron",
        "bgn",
        "try",
        "uah",
        "kzt",
        "cny",
        "hkd",
        "sgd",
        "inr",
        "krw",
        "brl",
        "mxn",
        "aed",
        "ils",
        "thb",
        "myr",
        "kwd",
        "bhd",
        "jod",
        "omr",
        "tnd",
    ]
)
"""Currencies staff may enable (Stripe charges in each)."""


async def table(session: AsyncSession) -> list[StoreCurrency]:
    """Every row, enabled or not, in the staff's order."""
    rows = await session.scalars(
        select(StoreCurrency).order_by(StoreCurrency.position, StoreCurrency.code)
    )
    return list(rows)


async def enabled_codes(session: AsyncSession, settings: Settings) -> list[str]:
    """What the switcher offers: the default first, then the enabled ones."""
    codes = [row.code for row in await table(session) if row.is_enabled]
    return [settings.store_currency, *[c for c in codes if c != settings.store_currency]]


async def pricing_for(
    session: AsyncSession,
    settings: Settings,
    code: str | None,
    variant_ids: Iterable[int] = (),
) -> Pricing:
    """The pricing of `code` (None: the default), with the hand-set prices of `variant_ids`;
    422 for a currency the store does not sell in."""
    default = settings.store_currency
    wanted = (code or default).strip().lower()
    if wanted == default:
        return in_default(default)
    row = await session.get(StoreCurrency, wanted)
    if row is None or not row.is_enabled:
        offered = ", ".join(c.upper() for c in await enabled_codes(session, settings))
        raise Unprocessable(
            f"This store does not sell in {wanted.upper()}; choose one of: {offered}.",
            field="currency",
        )
    explicit = await hand_set_prices(session, wanted, variant_ids)
    return Pricing(default, wanted, row.rate, row.rounding, explicit)


async def hand_set_prices(
    session: AsyncSession, currency: str, variant_ids: Iterable[int]
) -> dict[int, int]:
    ids = sorted(set(variant_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(VariantPrice.variant_id, VariantPrice.amount).where(
            VariantPrice.currency == currency, VariantPrice.variant_id.in_(ids)
        )
    )
    return {variant_id: amount for variant_id, amount in rows.all()}


async def hand_set_by_variant(
    session: AsyncSession, variant_ids: Iterable[int]
) -> dict[int, dict[str, int]]:
    """Every hand-set price of `variant_ids`: variant id -> {currency: amount}."""
    ids = sorted(set(variant_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(VariantPrice.variant_id, VariantPrice.currency, VariantPrice.amount).where(
            VariantPrice.variant_id.in_(ids)
        )
    )
    found: dict[int, dict[str, int]] = {}
    for variant_id, code, amount in rows.all():
        found.setdefault(variant_id, {})[code] = amount
    return found


# Staff ---------------------------------------------------------------------------------


def _checked_code(code: str, settings: Settings) -> str:
    code = code.strip().lower()
    if code == settings.store_currency:
        raise Unprocessable(
            f"{code.upper()} is the store's default currency: its rate is always 1.",
            field="code",
        )
    if code not in SUPPORTED:
        raise Unprocessable(
            f"{code.upper()} is not a currency the store can sell in.", field="code"
        )
    return code


async def put_currency(
    session: AsyncSession, settings: Settings, code: str, data: CurrencyIn
) -> StoreCurrency:
    """Add a currency or change its rate, rounding, order or whether it is offered."""
    code = _checked_code(code, settings)
    row = await session.get(StoreCurrency, code)
    before = (row.rate, row.is_enabled) if row is not None else (None, False)
    if row is None:
        row = StoreCurrency(code=code)
        session.add(row)
    row.rate = data.rate
    row.rounding = data.rounding
    row.is_enabled = data.is_enabled
    row.position = data.position
    await session.flush()
    if before != (row.rate, row.is_enabled) and (row.is_enabled or before[1]):
        await coupons.mark_amount_coupons_for_sync(session)
    return row


async def delete_currency(session: AsyncSession, code: str) -> None:
    row = await session.get(StoreCurrency, code.strip().lower())
    if row is None:
        raise NotFound(f"Currency {code.upper()} is not in the table.")
    was_enabled = row.is_enabled
    await session.delete(row)
    await session.flush()
    if was_enabled:
        await coupons.mark_amount_coupons_for_sync(session)


async def put_variant_price(
    session: AsyncSession, settings: Settings, variant_id: int, code: str, data: VariantPriceIn
) -> VariantPrice:
    """Set a variant's price in a currency of the table by hand (minor units of it)."""
    code = _checked_code(code, settings)
    variant = await session.get(ProductVariant, variant_id)
    if variant is None:
        raise NotFound(f"Variant {variant_id} not found.")
    if await session.get(StoreCurrency, code) is None:
        raise Unprocessable(f"Add {code.upper()} to the currency table first.", field="currency")
    if minor_unit_exponent(code) == 3 and data.amount % 10:
        raise Unprocessable(
            f"Amounts in {code.upper()} must end in 0 (Stripe charges tens of its minor unit).",
            field="amount",
        )
    row = await session.get(VariantPrice, (variant_id, code))
    if row is None or row.amount != data.amount:
        await _resync_product_of(session, variant.product_id)
    if row is None:
        row = VariantPrice(variant_id=variant_id, currency=code, amount=data.amount)
        session.add(row)
    row.amount = data.amount
    await session.flush()
    return row


async def delete_variant_price(session: AsyncSession, variant_id: int, code: str) -> None:
    row = await session.get(VariantPrice, (variant_id, code.strip().lower()))
    if row is None:
        raise NotFound(f"Variant {variant_id} has no price set in {code.upper()}.")
    variant = await session.get(ProductVariant, variant_id)
    await session.delete(row)
    if variant is not None:
        await _resync_product_of(session, variant.product_id)
    await session.flush()


async def _resync_product_of(session: AsyncSession, product_id: int) -> None:
    """A hand-set price is part of its variant's Stripe Price (`currency_options`): the
    product goes back to the sync worker (its row locked, as every sync mark is)."""
    product = await session.get(
        Product, product_id, with_for_update={"key_share": True}, populate_existing=True
    )
    if product is not None:
        product.mark_for_sync()


# The storefront -----------------------------------------------------------------------


async def shopper_choice(
    session: AsyncSession, settings: Settings, code: str | None
) -> tuple[Pricing, list[str]]:
    """The pricing of the currency a page visitor chose (a cookie: one no longer offered
    falls back to the default, silently) and the codes the switcher offers; one query."""
    rows = [row for row in await table(session) if row.is_enabled]
    default = settings.store_currency
    offered = [default, *[row.code for row in rows if row.code != default]]
    chosen = next((row for row in rows if row.code == (code or "").lower()), None)
    if chosen is None or chosen.code == default:
        return in_default(default), offered
    return Pricing(default, chosen.code, chosen.rate, chosen.rounding), offered


async def with_hand_set(
    session: AsyncSession, pricing: Pricing, variant_ids: Iterable[int]
) -> Pricing:
    """`pricing` knowing the hand-set prices of `variant_ids` too."""
    if pricing.is_default:
        return pricing
    found = await hand_set_prices(session, pricing.currency, variant_ids)
    return replace(pricing, explicit={**pricing.explicit, **found})


DEMO_RATES = {"eur": ("0.92", Rounding.CHARM), "jpy": ("150", Rounding.WHOLE)}
"""What `vitrina demo` offers besides the default: EUR with .99 endings, JPY in whole yen."""


async def ensure_demo_currencies(session: AsyncSession, settings: Settings) -> None:
    """The demo's currency table, made once (a staff's later change is kept)."""
    position = 1
    for code, (rate, rounding) in DEMO_RATES.items():
        if code != settings.store_currency and await session.get(StoreCurrency, code) is None:
            data = CurrencyIn(rate=Decimal(rate), rounding=rounding, position=position)
            await put_currency(session, settings, code, data)
        position += 1
