"""What Stripe must show for a local row."""

from __future__ import annotations

from vitrina.catalog.models import Product
from vitrina.coupons.models import DiscountCoupon
from vitrina.kit.clock import to_unix
from vitrina.payments.sync.coupons import CouponTarget
from vitrina.payments.sync.products import ProductTarget


def product_target(product: Product) -> ProductTarget:
    return ProductTarget(
        local_id=product.id,
        name=product.name,
        price=product.price,
        currency=product.currency.lower(),
        active=product.is_active,
    )


def coupon_target(coupon: DiscountCoupon) -> CouponTarget:
    return CouponTarget(
        local_id=coupon.id,
        number=coupon.number,
        discount=coupon.discount,
        end_at=to_unix(coupon.end_at),
        active=coupon.is_active,
        deleted=coupon.deleted_at is not None,
    )
