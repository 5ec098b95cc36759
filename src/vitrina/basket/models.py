from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vitrina.db import Base, JSONType, TimestampMixin, str_enum

if TYPE_CHECKING:
    from vitrina.catalog.models import Product, ProductVariant


class Basket(TimestampMixin, Base):
    """A customer's one basket, or a guest's. `unique_code` names its current contents (the
    seed's idea): it is replaced when the contents change under an open Checkout Session, and
    removed when an order is made from it, so a replayed success link cannot make a second order.

    A guest's basket has no user: `guest_key` is the SHA-256 of the random token in the guest's
    signed cookie (`basket/guest.py`), so the table alone does not let anyone act as a guest.
    """

    __tablename__ = "baskets"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (guest_key IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True, default=None
    )
    guest_key: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    unique_code: Mapped[str | None] = mapped_column(String(32), unique=True, default=None)
    coupon_id: Mapped[int | None] = mapped_column(
        ForeignKey("discount_coupons.id", ondelete="SET NULL"), default=None
    )
    session_id: Mapped[str | None] = mapped_column(String(255), default=None)

    items: Mapped[list[BasketItem]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="BasketItem.id"
    )


class BasketItem(Base):
    __tablename__ = "basket_items"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    basket_id: Mapped[int] = mapped_column(ForeignKey("baskets.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(
        ForeignKey("product_variants.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime]

    product: Mapped[Product] = relationship(lazy="raise")
    variant: Mapped[ProductVariant] = relationship(lazy="raise")


Index("uq_basket_items_basket_variant", BasketItem.basket_id, BasketItem.variant_id, unique=True)


class CheckoutStatus(StrEnum):
    OPEN = "open"
    COMPLETE = "complete"
    EXPIRED = "expired"


class CheckoutSession(TimestampMixin, Base):
    """One Stripe Checkout Session made for a basket, with what the store computed for it.

    `items` snapshots what was sold at which price, so fulfilment can build the order from
    what the customer saw and compare `amount_total` with what Stripe charged.
    """

    __tablename__ = "checkout_sessions"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    basket_id: Mapped[int] = mapped_column(ForeignKey("baskets.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    """None for a guest's checkout: fulfilment finds or makes the account from the email
    Stripe collected."""
    unique_code: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[CheckoutStatus] = mapped_column(
        str_enum(CheckoutStatus),
        default=CheckoutStatus.OPEN,
    )
    url: Mapped[str | None] = mapped_column(String(2000), default=None)
    currency: Mapped[str] = mapped_column(String(3))
    amount_subtotal: Mapped[int] = mapped_column(Integer)
    amount_discount: Mapped[int] = mapped_column(Integer)
    amount_shipping: Mapped[int] = mapped_column(Integer)
    amount_total: Mapped[int] = mapped_column(Integer)
    coupon_id: Mapped[int | None] = mapped_column(
        ForeignKey("discount_coupons.id", ondelete="SET NULL"), default=None
    )
    coupon_number: Mapped[str | None] = mapped_column(String(64), default=None)
    language: Mapped[str | None] = mapped_column(String(10), default=None)
    """The shopper's language at checkout (Stripe's page, the names sold, the order's mails)."""
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    expires_at: Mapped[datetime]
    shipping_country: Mapped[str | None] = mapped_column(String(2), default=None)
    shipping_options: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType, default=None)
    """What was offered (`shipping.service.offered`): the chosen one is found by its rate."""


class StockReservation(Base):
    """Stock held for an open Checkout Session until `expires_at`.

    Available stock is the variant's stock minus the unexpired reservations of other sessions;
    an expired row stops counting by itself, so no job has to run for stock to come back.
    """

    __tablename__ = "stock_reservations"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_stock_reservations_variant_expires", "variant_id", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variants.id", ondelete="CASCADE"))
    checkout_session_id: Mapped[str] = mapped_column(
        ForeignKey("checkout_sessions.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
