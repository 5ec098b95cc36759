"""The basket as the storefront shows it: lines, totals, coupon, warnings, open checkout."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.basket.in_currency import price_in
from vitrina.basket.models import Basket, CheckoutSession, CheckoutStatus
from vitrina.basket.pricing import Quote, quote
from vitrina.basket.rows import BasketRow, LineRow
from vitrina.basket.schemas import (
    BasketLineOut,
    BasketOut,
    CheckoutOut,
    CouponOut,
    ProductSnapshot,
    StockWarning,
)
from vitrina.basket.service import (
    Guest,
    Owner,
    basket_coupon,
    current_checkout,
    customer_of,
    find_basket,
    get_basket,
    lines_and_held,
)
from vitrina.basket.sold import Sold, sold_variants
from vitrina.catalog.schemas import media_url
from vitrina.config import Settings
from vitrina.coupons import service as coupons
from vitrina.coupons.models import DiscountCoupon
from vitrina.errors import VitrinaError
from vitrina.kit.clock import utcnow
from vitrina.shipping import service as shipping_service
from vitrina.shipping.schemas import OptionOut
from vitrina.taxes.service import basket_tax_estimate


def checkout_out(checkout: CheckoutSession) -> CheckoutOut:
    return CheckoutOut(
        url=checkout.url,
        session_id=checkout.id,
        expires_at=checkout.expires_at,
        amount_total=checkout.amount_total,
        currency=checkout.currency,
    )


def _snapshot(line: LineRow, sold: Sold, available: int) -> ProductSnapshot:
    return ProductSnapshot(
        id=line.product.id,
        variant_id=line.variant.id,
        sku=sold.sku,
        options=sold.options,
        name=line.product.name,
        slug=line.product.slug,
        price=sold.price,
        currency=sold.currency,
        image_url=media_url(line.image_path) if line.image_path else None,
        available_stock=available,
        is_active=sold.is_active,
    )


async def basket_view(
    session: AsyncSession,
    owner: Owner,
    settings: Settings,
    *,
    notices: list[str] | None = None,
    basket: Basket | BasketRow | None = None,
    country: str | None = None,
    currency: str | None = None,
) -> BasketOut:
    """The basket as shown, with its shipping options to `country` (else the account's
    address's, else the first zone's); a guest who has added nothing gets an empty one (none
    is made). `basket`: the owner's basket when the request has it already (a change just
    made). Amounts in `currency` (else the store's; 422 for one it does not sell in)."""
    if basket is None and isinstance(owner, Guest):
        basket = await find_basket(session, owner)
    if basket is None and isinstance(owner, Guest):
        pricing = await price_in(session, settings, [], currency)
        return _empty(pricing.currency, notices or [])
    basket = basket or await get_basket(session, owner)
    items = await lines_and_held(session, basket)
    sold = await sold_variants(session, [(i.product, i.variant) for i in items])
    pricing = await price_in(session, settings, sold, currency)
    warnings: list[StockWarning] = []
    lines: list[BasketLineOut] = []
    for item, product in zip(items, sold, strict=True):
        available = max(item.variant.stock - item.held, 0)
        if not product.is_active:
            warnings.append(
                StockWarning(
                    product_id=product.id, message=f"“{product.name}” is no longer for sale."
                )
            )
        elif item.quantity > available:
            message = (
                f"“{product.name}” is out of stock."
                if available == 0
                else f"Only {available} of “{product.name}” left in stock; "
                f"you have {item.quantity}."
            )
            warnings.append(StockWarning(product_id=product.id, message=message))
        lines.append(
            BasketLineOut(
                product=_snapshot(item, product, available),
                quantity=item.quantity,
                line_total=product.price * item.quantity,
            )
        )
    coupon = await basket_coupon(session, basket)
    if coupon is not None:
        try:
            await coupons.validate_coupon_for(session, coupon, customer_of(owner))
        except VitrinaError as exc:
            warnings.append(StockWarning(product_id=None, message=str(exc.detail)))
            coupon = None
    pairs = [(p, i.quantity) for p, i in zip(sold, items, strict=True)]
    goods = quote(pairs, coupon, pricing=pricing, shipping_amount=0)
    user = customer_of(owner)
    where = await shipping_service.shopper_country(
        session, user.id if user is not None else None, country
    )
    options: list[OptionOut] = []
    tax_country = where  # manual tax rates are a country's: the first the zone allows
    try:
        plan = await shipping_service.plan_for(
            session, settings, where, pairs, goods.total, pricing.amount
        )
        options = [OptionOut(**vars(option)) for option in plan.options]
        tax_country = where or plan.allowed_countries[0]
    except VitrinaError as exc:
        if items:
            warnings.append(StockWarning(product_id=None, message=str(exc.detail)))
    priced = quote(
        pairs,
        coupon,
        pricing=pricing,
        shipping_amount=options[0].amount if options else 0,
    )
    if problem := priced.charge_problem():
        warnings.append(StockWarning(product_id=None, message=problem))
    tax = await basket_tax_estimate(session, settings, tax_country, pairs, priced.discount)
    checkout = await current_checkout(session, basket)
    is_open = (
        checkout is not None
        and checkout.status == CheckoutStatus.OPEN
        and checkout.expires_at > utcnow()
    )
    return BasketOut(
        id=basket.id,
        unique_code=basket.unique_code,
        currency=priced.currency,
        items=lines,
        subtotal=priced.subtotal,
        discount=priced.discount,
        shipping=priced.shipping,
        total=priced.total + (tax.added if tax else 0),
        tax=(tax.amount or 0) if tax else 0,
        tax_included=bool(tax and tax.included),
        tax_at_checkout=bool(tax and tax.amount is None),
        shipping_country=where,
        shipping_options=options,
        coupon=_coupon_out(coupon, priced),
        warnings=warnings,
        notices=notices or [],
        checkout=checkout_out(checkout) if is_open and checkout is not None else None,
    )


def _coupon_out(coupon: DiscountCoupon | None, priced: Quote) -> CouponOut | None:
    if coupon is None:
        return None
    if priced.amount_off is None:
        return CouponOut(number=coupon.number, percent=coupon.discount)
    return CouponOut(
        number=coupon.number, percent=None, amount_off=priced.amount_off, currency=priced.currency
    )


def _empty(currency: str, notices: list[str]) -> BasketOut:
    return BasketOut(
        id=None,
        unique_code=None,
        currency=currency,
        items=[],
        subtotal=0,
        discount=0,
        shipping=0,
        total=0,
        coupon=None,
        warnings=[],
        notices=notices,
        checkout=None,
    )
