"""The currencies a store sells in besides its default, and prices set by hand in them."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from vitrina.currencies.conversion import Rounding
from vitrina.db import Base, TimestampMixin, str_enum


class StoreCurrency(TimestampMixin, Base):
    """A currency the shopper may pick: `rate` units of it buy one unit of the store's
    default currency (`STORE_CURRENCY`, which needs no row), prices derived from the default
    one are rounded by `rounding`. Disabled rows keep their rate but are not offered."""

    __tablename__ = "store_currencies"
    __table_args__ = (
        CheckConstraint("rate > 0", name="rate_positive"),
        CheckConstraint("code = lower(code)", name="code_lower_case"),
    )

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    rate: Mapped[Decimal] = mapped_column(Numeric(18, 8))
    rounding: Mapped[Rounding] = mapped_column(str_enum(Rounding), default=Rounding.NONE)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    def __str__(self) -> str:
        return self.code.upper()


class VariantPrice(TimestampMixin, Base):
    """A variant's price in a currency, set by hand: it wins over the derived one."""

    __tablename__ = "variant_prices"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)

    variant_id: Mapped[int] = mapped_column(
        ForeignKey("product_variants.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    amount: Mapped[int] = mapped_column(Integer)
