from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from vitrina.orders.models import OrderStatus


class OrderItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    product_id: int | None
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


class StaffOrderDetail(StaffOrderOut):
    events: list[OrderEventOut]


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


class RefundRequest(BaseModel):
    amount: int | None = Field(
        default=None, gt=0, description="Minor units; omit to refund everything not yet refunded."
    )
    reason: Literal["duplicate", "fraudulent", "requested_by_customer"] | None = None


class RefundOut(BaseModel):
    order_id: int
    refund_id: str
    amount: int
    status: str | None
    idempotency_key: str
