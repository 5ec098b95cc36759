from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from vitrina.orders.models import OrderStatus, RefundStatus


class OrderItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    product_id: int | None
    variant_id: int | None
    sku: str | None
    options: str | None = Field(description='The variant as sold ("Size: M, Colour: red").')
    name: str
    unit_price: int
    quantity: int
    line_total: int


class OrderOut(BaseModel):
    """An order as its customer sees it. Amounts are integer minor units of `currency`."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    status: OrderStatus
    email: str
    currency: str
    subtotal: int
    discount: int
    shipping: int
    total: int
    amount_refunded: int
    coupon_code: str | None
    shipping_address: dict[str, Any] | None
    items: list[OrderItemOut]
    created_at: datetime
    paid_at: datetime | None


class OrderEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    actor_id: int | None
    from_status: str | None
    to_status: str | None
    note: str
    data: dict[str, Any] | None
    created_at: datetime


class StaffOrderOut(OrderOut):
    user_id: int
    amount_charged: int
    stripe_session_id: str
    stripe_payment_intent_id: str | None
    needs_review: bool
    review_reason: str | None


class RefundLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    order_item_id: int
    quantity: int
    amount: int


class OrderRefundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    amount: int
    status: RefundStatus
    reason: str | None
    note: str
    restock: bool
    stripe_refund_id: str | None
    error: str | None
    actor_id: int | None
    created_at: datetime
    lines: list[RefundLineOut]


class StaffOrderDetail(StaffOrderOut):
    events: list[OrderEventOut]
    refunds: list[OrderRefundOut]


class OrderPage(BaseModel):
    items: list[OrderOut]
    total: int
    limit: int
    offset: int


class StaffOrderPage(BaseModel):
    items: list[StaffOrderOut]
    total: int
    limit: int
    offset: int


class StatusChange(BaseModel):
    status: OrderStatus
    note: str = Field(default="", max_length=2000)


class ReviewResolution(BaseModel):
    note: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
    ] = Field(description="What was found and done about the flag.")


class RefundLineIn(BaseModel):
    order_item_id: int = Field(gt=0, le=2**31 - 1)
    quantity: int = Field(gt=0, le=1_000_000)


class RefundRequest(BaseModel):
    amount: int | None = Field(
        default=None,
        gt=0,
        le=2**31 - 1,
        description="Minor units, added to the lines' value; with no lines and no amount, "
        "everything not yet refunded is refunded.",
    )
    lines: list[RefundLineIn] = Field(
        default_factory=list,
        max_length=100,
        description="Order lines and quantities to refund, at what the customer paid for them.",
    )
    restock: bool = Field(default=False, description="Put the refunded lines back in stock.")
    reason: Literal["duplicate", "fraudulent", "requested_by_customer"] | None = None
    note: str = Field(default="", max_length=2000)


class RefundOut(BaseModel):
    order_id: int
    refund_id: str
    amount: int
    status: RefundStatus
    idempotency_key: str
    lines: list[RefundLineOut]
    restocked: dict[int, int]
