from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vitrina.db import Base, JSONType, TimestampMixin, str_enum


class OrderStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class Order(TimestampMixin, Base):
    """What was sold, at which prices, for which Stripe payment.

    `stripe_session_id` is unique: whatever races, one Checkout Session makes one order.
    `needs_review` with `review_reason` flags an order whose charged amount differs from
    the amount the store computed.
    """

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_status_created", "status", "created_at"),
        Index("ix_orders_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus))
    email: Mapped[str] = mapped_column(String(320))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[int] = mapped_column(Integer)
    discount: Mapped[int] = mapped_column(Integer, default=0)
    shipping: Mapped[int] = mapped_column(Integer, default=0)
    shipping_name: Mapped[str | None] = mapped_column(String(100), default=None)
    shipping_rate_id: Mapped[str | None] = mapped_column(String(255), default=None)
    """The shipping option the customer chose on Stripe's page (its name and Stripe rate)."""
    tax: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Stripe's `total_details.amount_tax`: all tax, included in prices or added to them."""
    tax_breakdown: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType, default=None)
    """Per rate: name, percentage, country, inclusive, amount, taxable amount."""
    total: Mapped[int] = mapped_column(Integer)
    amount_charged: Mapped[int] = mapped_column(Integer, default=0)
    amount_refunded: Mapped[int] = mapped_column(Integer, default=0)
    coupon_code: Mapped[str | None] = mapped_column(String(64), default=None)
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    stripe_session_id: Mapped[str] = mapped_column(String(255), unique=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(
        String(255), index=True, default=None
    )
    needs_review: Mapped[bool] = mapped_column(default=False)
    review_reason: Mapped[str | None] = mapped_column(Text, default=None)
    paid_at: Mapped[datetime | None] = mapped_column(default=None)
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(default=None)
    language: Mapped[str | None] = mapped_column(String(10), default=None)
    """The language the customer bought in: their mails about the order are in it."""

    items: Mapped[list[OrderItem]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="OrderItem.id"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="OrderEvent.id"
    )
    refunds: Mapped[list[OrderRefund]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="OrderRefund.id"
    )


class OrderItem(Base):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    """A sold product stays: the database refuses to delete it (the catalog deactivates it)."""
    variant_id: Mapped[int | None] = mapped_column(
        ForeignKey("product_variants.id", ondelete="RESTRICT"), index=True, default=None
    )
    """The variant sold (a sold variant stays too); its SKU and option values as sold:"""
    sku: Mapped[str | None] = mapped_column(String(100), default=None)
    options: Mapped[str | None] = mapped_column(String(300), default=None)
    """The variant's option values as the customer saw them ("Size: M, Colour: red")."""
    name: Mapped[str] = mapped_column(String(300))
    unit_price: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    line_total: Mapped[int] = mapped_column(Integer)
    tax_amount: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class OrderEvent(Base):
    """The order's history: every status change, refund and note, and who made it."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    kind: Mapped[str] = mapped_column(String(50))
    from_status: Mapped[str | None] = mapped_column(String(30), default=None)
    to_status: Mapped[str | None] = mapped_column(String(30), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    created_at: Mapped[datetime]


class RefundStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OrderRefund(Base):
    """One refund staff asked for: recorded before Stripe is called.

    `token` is unique and names the request (the admin's form carries one, the API takes an
    `Idempotency-Key`); the Stripe idempotency key is derived from it, so the same request
    sent twice (a double click, a retry after a lost answer) is one refund in Stripe.
    `amount` is what Stripe is asked for: the lines' share of what was paid plus any extra
    amount (shipping, goodwill). `restock` puts the lines' quantities back in stock once
    Stripe has accepted the refund.
    """

    __tablename__ = "order_refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(100), unique=True)
    amount: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(30), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    restock: Mapped[bool] = mapped_column(default=False)
    status: Mapped[RefundStatus] = mapped_column(str_enum(RefundStatus))
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    mail_sent_at: Mapped[datetime | None] = mapped_column(default=None)

    lines: Mapped[list[OrderRefundLine]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="OrderRefundLine.id"
    )


class OrderRefundLine(Base):
    """How many of one order line a refund covers, and the amount they account for."""

    __tablename__ = "order_refund_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    refund_id: Mapped[int] = mapped_column(
        ForeignKey("order_refunds.id", ondelete="CASCADE"), index=True
    )
    order_item_id: Mapped[int] = mapped_column(
        ForeignKey("order_items.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)


class WebhookEvent(Base):
    """The inbox: each provider event once, handled at most once (`handled_at`)."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_webhook_events_handled_received", "handled_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    received_at: Mapped[datetime]
    handled_at: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
