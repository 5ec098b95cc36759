"""The basket as the storefront shows it: lines, totals, coupon, warnings, open checkout."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.basket.models import BasketItem, CheckoutSession, CheckoutStatus
from vitrina.basket.pricing import quote
from vitrina.basket.reservations import reserved_quantities
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
    basket_lines,
    current_checkout,
    customer_of,
    find_basket,
    get_basket,
)
from vitrina.catalog.schemas import media_url
from vitrina.config import Settings
from vitrina.coupons import service as coupons
from vitrina.errors import VitrinaError
from vitrina.kit.clock import utcnow


def checkout_out(checkout: CheckoutSession) -> CheckoutOut:
    return CheckoutOut(
        url=checkout.url,
        session_id=checkout.id,
        expires_at=checkout.expires_at,
        amount_total=checkout.amount_total,
        currency=checkout.currency,
    )


def _snapshot(item: BasketItem, available: int) -> ProductSnapshot:
    product = item.product
    image = product.images[0] if product.images else None
    return ProductSnapshot(
        id=product.id,
        name=product.name,
        slug=product.slug,
        price=product.price,
        currency=product.currency,
        image_url=media_url(image.path) if image else None,
        available_stock=available,
        is_active=product.is_active,
    )


async def basket_view(
    session: AsyncSession, owner: Owner, settings: Settings, *, notices: list[str] | None = None
) -> BasketOut:
    """The basket as shown; a guest who has added nothing gets an empty one (none is made)."""
    basket = await find_basket(session, owner) if isinstance(owner, Guest) else None
    if basket is None and isinstance(owner, Guest):
        return _empty(settings, notices or [])
    basket = basket or await get_basket(session, owner)
    items = await basket_lines(session, basket)
    reserved = await reserved_quantities(
        session, [i.product_id for i in items], exclude_session=basket.session_id
    )
    warnings: list[StockWarning] = []
    lines: list[BasketLineOut] = []
    for item in items:
        product = item.product
        available = max(product.stock - reserved.get(product.id, 0), 0)
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
                product=_snapshot(item, available),
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
    priced = quote(
        [(i.product, i.quantity) for i in items],
        coupon,
        currency=settings.store_currency,
        shipping_amount=settings.shipping_rate_amount,
    )
    if problem := priced.charge_problem():
        warnings.append(StockWarning(product_id=None, message=problem))
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
        total=priced.total,
        coupon=CouponOut(number=coupon.number, percent=coupon.discount) if coupon else None,
        warnings=warnings,
        notices=notices or [],
        checkout=checkout_out(checkout) if is_open and checkout is not None else None,
    )


def _empty(settings: Settings, notices: list[str]) -> BasketOut:
    return BasketOut(
        id=None,
        unique_code=None,
        currency=settings.store_currency,
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
