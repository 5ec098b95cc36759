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
from vitrina.accounts.sessions import Account
from vitrina.config import get_settings
from vitrina.coupons.models import CouponAmount, CouponRedemption, DiscountCoupon
from vitrina.coupons.schemas import CouponCreate, CouponRead, CouponUpdate
from vitrina.currencies.models import StoreCurrency
from vitrina.errors import Conflict, NotFound, Unprocessable
from vitrina.kit.clock import to_unix, utcnow
from vitrina.kit.money import charge_step, to_decimal
from vitrina.orders.models import Order

CENT = Decimal("0.01")
SYNCED_FIELDS = frozenset({"number", "discount", "amount_off", "end_at", "is_active"})


def is_expired(coupon: DiscountCoupon, now: datetime | None = None) -> bool:
    return coupon.end_at <= (now or utcnow())


def to_read(coupon: DiscountCoupon) -> CouponRead:
    end_at = coupon.end_at
    return CouponRead(
        id=coupon.id,
        number=coupon.number,
        kind="amount" if coupon.is_amount else "percent",
        discount=Decimal(coupon.discount).quantize(CENT) if coupon.discount is not None else None,
        amount_off=coupon.amount_off,
        currency=get_settings().store_currency if coupon.is_amount else None,
        amounts={a.currency: a.amount_minor for a in coupon.amounts},
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


def _chargeable(amount: int, currency: str, field: str) -> None:
    step = charge_step(currency)
    if amount % step:
        raise Unprocessable(
            f"{to_decimal(amount, currency)} {currency.upper()} cannot be charged: amounts in "
            f"{currency.upper()} must be a multiple of {step} minor units.",
            field=field,
        )


async def _checked_amounts(session: AsyncSession, amounts: dict[str, int]) -> dict[str, int]:
    """Hand-set amounts: each in an enabled currency other than the store's, chargeable."""
    default = get_settings().store_currency
    for code, amount in amounts.items():
        if code == default:
            raise Unprocessable(
                f"{code.upper()} is the store's currency: set its amount as amount_off.",
                field="amounts",
            )
        row = await session.get(StoreCurrency, code)
        if row is None or not row.is_enabled:
            raise Unprocessable(
                f"{code.upper()} is not a currency this store sells in; enable it first.",
                field="amounts",
            )
        _chargeable(amount, code, "amounts")
    return amounts


def _set_amounts(coupon: DiscountCoupon, amounts: dict[str, int]) -> bool:
    """Replace the hand-set amounts; True if anything changed."""
    current = {a.currency: a.amount_minor for a in coupon.amounts}
    if current == amounts:
        return False
    coupon.amounts = [
        CouponAmount(currency=code, amount_minor=amount) for code, amount in sorted(amounts.items())
    ]
    return True


async def create_coupon(session: AsyncSession, data: CouponCreate) -> DiscountCoupon:
    if await _number_taken(session, data.number, except_id=None):
        raise _duplicate(data.number)
    if data.amount_off is not None:
        _chargeable(data.amount_off, get_settings().store_currency, "amount_off")
    amounts = await _checked_amounts(session, data.amounts or {})
    coupon = DiscountCoupon(
        number=data.number,
        discount=data.discount.quantize(CENT) if data.discount is not None else None,
        amount_off=data.amount_off,
        amounts=[CouponAmount(currency=c, amount_minor=a) for c, a in sorted(amounts.items())],
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
    changes.pop("kind", None)
    new_number = changes.get("number")
    if new_number and await _number_taken(session, new_number, except_id=coupon.id):
        raise _duplicate(new_number)
    if "end_at" in changes:
        changes["end_at"] = changes["end_at"].astimezone(UTC)
    needs_sync = _change_kind(coupon, changes)
    if "amounts" in changes:
        amounts = await _checked_amounts(session, changes.pop("amounts"))
        if not coupon.is_amount and amounts:
            raise Unprocessable(
                "amounts belong to amount-off coupons; send amount_off too.", field="amounts"
            )
        needs_sync = _set_amounts(coupon, amounts) or needs_sync
    for field, value in changes.items():
        current = getattr(coupon, field)
        if current != value:
            setattr(coupon, field, value)
            needs_sync = needs_sync or field in SYNCED_FIELDS
    if needs_sync:
        coupon.mark_for_sync()
    await _flush_unique(session, coupon.number)
    return coupon


def _change_kind(coupon: DiscountCoupon, changes: dict[str, Any]) -> bool:
    """Apply `discount` or `amount_off` (switching the coupon's kind when it is the other);
    True if the terms changed."""
    if "discount" in changes:
        percent: Decimal = changes.pop("discount").quantize(CENT)
        changed: bool = coupon.discount != percent or coupon.is_amount
        coupon.discount, coupon.amount_off = percent, None
        if coupon.amounts:
            coupon.amounts = []
        return changed
    if "amount_off" in changes:
        amount: int = changes.pop("amount_off")
        _chargeable(amount, get_settings().store_currency, "amount_off")
        changed = coupon.amount_off != amount
        coupon.discount, coupon.amount_off = None, amount
        return changed
    return False


async def mark_amount_coupons_for_sync(session: AsyncSession) -> int:
    """The rate table changed: live amount-off coupons carry converted amounts in Stripe
    (`currency_options`), so each is delivered again (a new Stripe coupon if an amount moved)."""
    rows = await session.scalars(
        select(DiscountCoupon)
        .where(DiscountCoupon.amount_off.is_not(None), DiscountCoupon.deleted_at.is_(None))
        .order_by(DiscountCoupon.id)
        .with_for_update()
    )
    marked = 0
    for coupon in rows:
        coupon.mark_for_sync()
        marked += 1
    await session.flush()
    return marked


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
    session: AsyncSession, coupon: DiscountCoupon, user: Account | None
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
