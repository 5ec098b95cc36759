"""Counting the coupon an order used, without letting a refused redemption lose the order.

The customer has already paid with the discount when fulfilment runs, so a redemption the
coupons service refuses (limit reached meanwhile) does not stop the order: it is rolled back
to its savepoint and the order is flagged for staff to look at.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts.models import User
from vitrina.coupons.models import DiscountCoupon
from vitrina.errors import VitrinaError
from vitrina.orders.models import Order


async def redeem_coupon(session: AsyncSession, coupon_id: int, order: Order) -> str | None:
    """Record the redemption; returns why it was refused, or None when it was recorded."""
    from vitrina.coupons.service import record_redemption

    coupon = await session.get(DiscountCoupon, coupon_id)
    user = await session.get(User, order.user_id)
    if coupon is None or user is None:
        return f"Coupon {order.coupon_code} no longer exists; its redemption was not counted."
    try:
        async with session.begin_nested():
            await record_redemption(session, coupon, user, order)
    except VitrinaError as exc:
        return f"Coupon {coupon.number} redemption refused: {exc.detail}"
    return None
