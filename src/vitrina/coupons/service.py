"""Discount coupons: staff CRUD, and the checks the basket and orders rely on.

Every change Stripe must learn about calls `coupon.mark_for_sync()` in the same transaction;
the Stripe sync worker delivers it (see docs/stripe-sync.md). Staff edits lock the row first
so that concurrent edits bump `sync_version` one after the other and none is lost.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from vitrina.accounts.models import User
from vitrina.config import get_settings
from vitrina.coupons.models import CouponRedemption, DiscountCoupon
from vitrina.coupons.schemas import CouponCreate, CouponRead, CouponUpdate
from vitrina.errors import Conflict, NotFound, Unprocessable
from vitrina.kit.clock import to_unix, utcnow
from vitrina.orders.models import Order

CENT = Decimal("0.01")
SYNCED_FIELDS = frozenset({"number", "discount", "end_at", "is_active"})


def is_expired(coupon: DiscountCoupon, now: datetime | None = None) -> bool:
    return coupon.end_at <= (now or utcnow())


def to_read(coupon: DiscountCoupon) -> CouponRead:
    end_at = coupon.end_at
    return CouponRead(
        id=coupon.id,
        number=coupon.number,
        discount=Decimal(coupon.discount).quantize(CENT),
        end_at=end_at,
        end_at_unix=to_unix(end_at),
        end_at_local=end_at.astimezone(get_settings().tz),
        is_active=coupon.is_active,
        max_redemptions=coupon.max_redemptions,
        max_redemptions_per_customer=coupon.max_redemptions_per_customer,
        times_redeemed=coupon.times_redeemed,
        deleted_at=coupon.deleted_at if coupon.deleted_at else None,
        created_at=coupon.created_at,
        updated_at=coupon.updated_at,
        sync_state=coupon.sync_state,
        sync_error=coupon.sync_error,
        sync_attempts=coupon.sync_attempts,
        synced_at=coupon.synced_at if coupon.synced_at else None,
        stripe_id=coupon.stripe_id,
        stripe_promotion_code_id=coupon.stripe_promotion_code_id,
    )


async def _number_taken(session: AsyncSession, number: str, *, except_id: int | None) -> bool:
    query = select(DiscountCoupon.id).where(
        func.lower(DiscountCoupon.number) == number.lower(), DiscountCoupon.deleted_at.is_(None)
    )
    if except_id is not None:
        query = query.where(DiscountCoupon.id != except_id)
    return (await session.scalar(query.limit(1))) is not None


def _duplicate(number: str) -> Conflict:
    return Conflict(
        f"A coupon with the code {number!r} already exists (codes ignore case).", field="number"
    )


async def _flush_unique(session: AsyncSession, number: str) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        raise _duplicate(number) from exc


async def create_coupon(session: AsyncSession, data: CouponCreate) -> DiscountCoupon:
    if await _number_taken(session, data.number, except_id=None):
        raise _duplicate(data.number)
    coupon = DiscountCoupon(
        number=data.number,
        discount=data.discount.quantize(CENT),
        end_at=data.end_at.astimezone(UTC),
        is_active=data.is_active,
        max_redemptions=data.max_redemptions,
        max_redemptions_per_customer=data.max_redemptions_per_customer,
        times_redeemed=0,
        sync_version=1,
        synced_version=0,
        sync_attempts=0,
    )
    session.add(coupon)
    await _flush_unique(session, data.number)
    return coupon


async def get_coupon(
    session: AsyncSession, coupon_id: int, *, lock: bool = False, include_deleted: bool = False
) -> DiscountCoupon:
    query = select(DiscountCoupon).where(DiscountCoupon.id == coupon_id)
    if lock:
        query = query.with_for_update()
    coupon = await session.scalar(query)
    if coupon is None or (coupon.deleted_at is not None and not include_deleted):
        raise NotFound(f"Coupon {coupon_id} not found.")
    return coupon


async def list_coupons(
    session: AsyncSession, *, limit: int = 50, offset: int = 0, include_deleted: bool = False
) -> tuple[list[DiscountCoupon], int]:
    query = select(DiscountCoupon)
    if not include_deleted:
        query = query.where(DiscountCoupon.deleted_at.is_(None))
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(query.order_by(DiscountCoupon.id).limit(limit).offset(offset))
    return list(rows), total


async def update_coupon(
    session: AsyncSession, coupon_id: int, data: CouponUpdate
) -> DiscountCoupon:
    coupon = await get_coupon(session, coupon_id, lock=True)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    new_number = changes.get("number")
    if new_number and await _number_taken(session, new_number, except_id=coupon.id):
        raise _duplicate(new_number)
    if "end_at" in changes:
        changes["end_at"] = changes["end_at"].astimezone(UTC)
    if "discount" in changes:
        changes["discount"] = changes["discount"].quantize(CENT)
    needs_sync = False
    for field, value in changes.items():
        current = getattr(coupon, field)
        if current != value:
            setattr(coupon, field, value)
            needs_sync = needs_sync or field in SYNCED_FIELDS
    if needs_sync:
        coupon.mark_for_sync()
    await _flush_unique(session, coupon.number)
    return coupon


async def delete_coupon(session: AsyncSession, coupon_id: int) -> DiscountCoupon:
    """Soft delete: the row stays for order history; Stripe is told by the sync worker."""
    coupon = await get_coupon(session, coupon_id, lock=True)
    coupon.deleted_at = utcnow()
    coupon.mark_for_sync()
    await session.flush()
    return coupon


async def find_coupon_by_code(session: AsyncSession, code: str) -> DiscountCoupon | None:
    """The live (not deleted) coupon a customer means by `code`, ignoring case."""
    code = code.strip()
    if not code:
        return None
    return await session.scalar(
        select(DiscountCoupon).where(
            func.lower(DiscountCoupon.number) == code.lower(),
            DiscountCoupon.deleted_at.is_(None),
        )
    )


async def _redemptions_by(session: AsyncSession, coupon_id: int, user_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(CouponRedemption)
        .where(CouponRedemption.coupon_id == coupon_id, CouponRedemption.user_id == user_id)
    )
    return count or 0


async def validate_coupon_for(
    session: AsyncSession, coupon: DiscountCoupon, user: User | None
) -> None:
    """Raise a 422 with a message the storefront can show if `user` cannot use `coupon` now."""
    if coupon.deleted_at is not None:
        raise Unprocessable("This coupon code does not exist.")
    if not coupon.is_active:
        raise Unprocessable("This coupon is not active.")
    if is_expired(coupon):
        raise Unprocessable("This coupon has expired.")
    if coupon.max_redemptions is not None and coupon.times_redeemed >= coupon.max_redemptions:
        raise Unprocessable("This coupon has been fully redeemed.")
    limit = coupon.max_redemptions_per_customer
    if (
        user is not None
        and limit is not None
        and await _redemptions_by(session, coupon.id, user.id) >= limit
    ):
        raise Unprocessable("You have already used this coupon as many times as allowed.")


async def record_redemption(
    session: AsyncSession, coupon: DiscountCoupon, user: User, order: Order
) -> CouponRedemption:
    """Count one use of `coupon` by `user` for `order`, atomically; refuse beyond the limits.

    The conditional UPDATE both increments and locks the coupon row, so concurrent
    redemptions of one coupon are serialised and the per-customer count below is exact.
    """
    result = await session.execute(
        update(DiscountCoupon)
        .where(
            DiscountCoupon.id == coupon.id,
            DiscountCoupon.max_redemptions.is_(None)
            | (DiscountCoupon.times_redeemed < DiscountCoupon.max_redemptions),
        )
        .values(times_redeemed=DiscountCoupon.times_redeemed + 1)
        .returning(DiscountCoupon.times_redeemed)
        .execution_options(synchronize_session=False)
    )
    times = result.scalar_one_or_none()
    if times is None:
        raise Conflict("This coupon has been fully redeemed.")
    limit = coupon.max_redemptions_per_customer
    if limit is not None and await _redemptions_by(session, coupon.id, user.id) >= limit:
        raise Conflict("You have already used this coupon as many times as allowed.")
    set_committed_value(coupon, "times_redeemed", times)
    redemption = CouponRedemption(
        coupon_id=coupon.id, user_id=user.id, order_id=order.id, created_at=utcnow()
    )
    session.add(redemption)
    await session.flush()
    return redemption
