"""INTERIM stand-ins for other features' functions that have not landed yet.

Each one is replaced by the real import in `vitrina.basket.deps` as soon as the owning
feature commits it; this module is then deleted. Nothing else may import it.
"""

from __future__ import annotations

import stripe
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts.models import User
from vitrina.basket.clock import as_utc
from vitrina.coupons.models import CouponRedemption, DiscountCoupon
from vitrina.errors import Conflict, ServiceUnavailable, Unprocessable
from vitrina.kit.clock import utcnow
from vitrina.payments.client import make_stripe_client


async def find_coupon_by_code(session: AsyncSession, code: str) -> DiscountCoupon | None:
    return await session.scalar(
        select(DiscountCoupon).where(
            func.lower(DiscountCoupon.number) == code.strip().lower(),
            DiscountCoupon.deleted_at.is_(None),
        )
    )


async def validate_coupon_for(session: AsyncSession, coupon: DiscountCoupon, user: User) -> None:
    if not coupon.is_active or coupon.deleted_at is not None:
        raise Unprocessable(f"Promo code {coupon.number} is no longer available.")
    if as_utc(coupon.end_at) <= utcnow():
        raise Unprocessable(f"Promo code {coupon.number} has expired.")
    if coupon.max_redemptions is not None and coupon.times_redeemed >= coupon.max_redemptions:
        raise Conflict(f"Promo code {coupon.number} has been used up.")
    if coupon.max_redemptions_per_customer is not None:
        used = await session.scalar(
            select(func.count())
            .select_from(CouponRedemption)
            .where(CouponRedemption.coupon_id == coupon.id, CouponRedemption.user_id == user.id)
        )
        if (used or 0) >= coupon.max_redemptions_per_customer:
            raise Conflict(f"You have already used promo code {coupon.number}.")


async def ensure_coupon_in_stripe(session: AsyncSession, coupon: DiscountCoupon) -> str:
    """A Stripe coupon for the coupon's current terms, created idempotently by its id."""
    percent = str(coupon.discount).rstrip("0").rstrip(".")
    terms = f"{percent}-{int(as_utc(coupon.end_at).timestamp())}"
    coupon_id = f"vitrina-coupon-{coupon.id}-{terms}".replace(".", "_")
    client = make_stripe_client()
    try:
        await client.v1.coupons.create_async(
            {
                "id": coupon_id,
                "percent_off": float(coupon.discount),
                "duration": "once",
                "redeem_by": int(as_utc(coupon.end_at).timestamp()),
                "metadata": {"vitrina_coupon_id": str(coupon.id)},
            }
        )
    except stripe.InvalidRequestError as exc:
        if exc.code != "resource_already_exists":
            raise ServiceUnavailable(f"Could not prepare promo code {coupon.number}.") from exc
    except stripe.StripeError as exc:
        raise ServiceUnavailable(f"Could not prepare promo code {coupon.number}.") from exc
    return coupon_id
