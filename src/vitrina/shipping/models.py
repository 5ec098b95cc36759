"""Where the store ships and at what cost: zones (sets of countries) and their methods."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vitrina.db import Base, JSONType, TimestampMixin, str_enum


class MethodKind(StrEnum):
    FLAT = "flat"
    """`amount`, whatever the parcel."""
    WEIGHT = "weight"
    """The first of `weight_tiers` whose `up_to_grams` the parcel's weight fits under; a
    heavier parcel is not offered this method."""
    FREE_OVER = "free_over"
    """Free, offered only when the goods (after the discount) come to at least `free_over`."""
    PICKUP = "pickup"
    """Collected by the customer: `amount` (usually 0)."""


class ShippingZone(TimestampMixin, Base):
    """A set of countries (ISO 3166-1 alpha-2, upper case) that share shipping methods.

    A country belongs to the first active zone (by `position`) that lists it."""

    __tablename__ = "shipping_zones"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    countries: Mapped[list[str]] = mapped_column(JSONType)
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    methods: Mapped[list[ShippingMethod]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="ShippingMethod.position",
    )

    def __str__(self) -> str:
        return self.name


class ShippingMethod(TimestampMixin, Base):
    """One way of shipping to a zone, with its cost rule and delivery estimate (business
    days), sent to Stripe Checkout as one of the session's `shipping_options`."""

    __tablename__ = "shipping_methods"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("free_over IS NULL OR free_over >= 0", name="free_over_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(
        ForeignKey("shipping_zones.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[MethodKind] = mapped_column(str_enum(MethodKind), default=MethodKind.FLAT)
    amount: Mapped[int] = mapped_column(Integer, default=0)
    weight_tiers: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType, default=None)
    """[{"up_to_grams": 1000, "amount": 500}, ...] for `weight` methods."""
    free_over: Mapped[int | None] = mapped_column(Integer, default=None)
    min_days: Mapped[int | None] = mapped_column(Integer, default=None)
    max_days: Mapped[int | None] = mapped_column(Integer, default=None)
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name
