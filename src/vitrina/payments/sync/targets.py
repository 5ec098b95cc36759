"""What Stripe must show for a local row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import Product
from vitrina.catalog.variants import option_text, options_of, variants_of
from vitrina.config import get_settings
from vitrina.coupons.amounts import amount_in
from vitrina.coupons.models import DiscountCoupon
from vitrina.currencies.service import hand_set_by_variant
from vitrina.kit.clock import to_unix
from vitrina.payments.sync.coupons import CouponTarget
from vitrina.payments.sync.currency_options import EnabledRate, currency_options
from vitrina.payments.sync.products import ProductTarget
from vitrina.payments.sync.variant_prices import VariantTarget


def product_target(
    product: Product,
    variants: tuple[VariantTarget, ...] | None = None,
    rates: Sequence[EnabledRate] = (),
    hand_set: Mapping[str, int] | None = None,
) -> ProductTarget:
    return ProductTarget(
        local_id=product.id,
        name=product.name,
        price=product.price,
        currency=product.currency.lower(),
        active=product.is_active,
        variants=variants,
        currency_options=_in_other_currencies(product.price, product.currency, rates, hand_set),
    )


def _in_other_currencies(
    amount: int,
    currency: str,
    rates: Sequence[EnabledRate],
    hand_set: Mapping[str, int] | None = None,
) -> tuple[tuple[str, int], ...]:
    """The amount in each other enabled currency: the price set by hand in it, else the
    converted one (as the basket charges it, `currencies/pricing.py`)."""
    options = currency_options(amount, currency, rates)
    given = hand_set or {}
    return tuple((code, given.get(code, option["unit_amount"])) for code, option in options.items())


async def variant_targets(
    session: AsyncSession, product: Product, rates: Sequence[EnabledRate] = ()
) -> tuple[VariantTarget, ...] | None:
    """The Prices a product with options sells its variants at (None without options:
    the product's own Price is what is sold). Two reads, only for such products, and a
    third for their hand-set prices when other currencies are enabled."""
    if not product.has_options:
        return None
    options = await options_of(session, product.id)
    variants = [v for v in await variants_of(session, product.id) if v.combination]
    hand_set = await hand_set_by_variant(session, [v.id for v in variants]) if rates else {}
    language = get_settings().store_language
    return tuple(
        VariantTarget(
            variant_id=variant.id,
            sku=variant.sku,
            price=variant.price,
            active=variant.is_active,
            options=option_text(variant, options, language),
            currency_options=_in_other_currencies(
                variant.price, product.currency, rates, hand_set.get(variant.id)
            ),
        )
        for variant in variants
    )


async def full_product_target(
    session: AsyncSession, product: Product, rates: Sequence[EnabledRate] = ()
) -> ProductTarget:
    """The product and, when it has options, its variants' Prices (each with its amount in
    every other enabled currency of `rates`; a product sold as one variant takes that
    variant's hand-set prices for its own Price)."""
    variants = await variant_targets(session, product, rates)
    own: Mapping[str, int] | None = None
    if rates and variants is None:
        only = await variants_of(session, product.id)
        hand_set = await hand_set_by_variant(session, [v.id for v in only])
        own = hand_set.get(only[0].id) if len(only) == 1 else None
    return product_target(product, variants, rates, own)


def coupon_target(coupon: DiscountCoupon, rates: Sequence[EnabledRate] = ()) -> CouponTarget:
    """The Stripe coupon for `coupon`; an amount-off one in the store's currency with its
    amount in every other enabled currency of `rates` (hand-set, else converted)."""
    default = get_settings().store_currency
    options: tuple[tuple[str, int], ...] = ()
    if coupon.amount_off is not None:
        options = tuple(
            (r.code, amount_in(coupon, r.code, default, r.rate) or 0)
            for r in rates
            if r.code != default
        )
    return CouponTarget(
        local_id=coupon.id,
        number=coupon.number,
        discount=coupon.discount,
        end_at=to_unix(coupon.end_at),
        active=coupon.is_active,
        deleted=coupon.deleted_at is not None,
        amount_off=coupon.amount_off,
        currency=default if coupon.amount_off is not None else "",
        currency_options=options,
    )
