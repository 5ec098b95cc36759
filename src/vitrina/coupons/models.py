from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vitrina.db import Base, TimestampMixin
from vitrina.kit.stripe_sync import StripeSyncMixin


class DiscountCoupon(StripeSyncMixin, TimestampMixin, Base):
    """A percent-off (`discount`) or amount-off (`amount_off`, minor units of the store's
    default currency; `amounts` set by hand in other currencies, the rest converted at the
    rate table's rate) coupon: exactly one of the two is set. `number` is the code customers
    type (unique among live coupons, case-insensitive; a deleted coupon's code can be given
    to a new one).

    `stripe_id` is the Stripe Coupon and `stripe_promotion_code_id` the Promotion Code that
    carries `number` in Stripe. A deleted coupon keeps its row (`deleted_at`) so that Stripe
    can be told and past orders keep their history.
    """

    __tablename__ = "discount_coupons"
    __table_args__ = (
        CheckConstraint("discount > 0 AND discount <= 100", name="discount_percent_range"),
        CheckConstraint("(discount IS NULL) <> (amount_off IS NULL)", name="one_kind"),
        CheckConstraint("amount_off > 0", name="amount_off_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64))
    discount: Mapped[Decimal | None] = mapped_column(Numeric(5, 2), default=None)
    amount_off: Mapped[int | None] = mapped_column(Integer, default=None)
    end_at: Mapped[datetime]
    is_active: Mapped[bool] = mapped_column(default=True)
    max_redemptions: Mapped[int | None] = mapped_column(Integer, default=None)
    max_redemptions_per_customer: Mapped[int | None] = mapped_column(Integer, default=None)
    times_redeemed: Mapped[int] = mapped_column(Integer, default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    stripe_promotion_code_id: Mapped[str | None] = mapped_column(String(255), default=None)

    amounts: Mapped[list[CouponAmount]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="CouponAmount.currency"
    )
    """Loaded with the coupon (a few rows, amount coupons only): every reader of a coupon
    may need its amount in the shopper's currency."""

    @property
    def is_amount(self) -> bool:
        return self.amount_off is not None

    def amount_set_in(self, currency: str) -> int | None:
        """The amount set by hand in `currency` (the default: `amount_off`), else None."""
        return next((a.amount_minor for a in self.amounts if a.currency == currency), None)


class CouponAmount(Base):
    """An amount-off coupon's amount in another currency than the store's, set by hand
    (minor units of `currency`); currencies without one take the converted default amount."""

    __tablename__ = "coupon_amounts"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("currency = lower(currency)", name="currency_lower_case"),
    )

    coupon_id: Mapped[int] = mapped_column(
        ForeignKey("discount_coupons.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    amount_minor: Mapped[int] = mapped_column(Integer)


class CouponRedemption(Base):
    __tablename__ = "coupon_redemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("discount_coupons.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime]


_LIVE = DiscountCoupon.deleted_at.is_(None)
Index(
    "uq_discount_coupons_number_lower",
    func.lower(DiscountCoupon.number),
    unique=True,
    postgresql_where=_LIVE,
    sqlite_where=_LIVE,
)
