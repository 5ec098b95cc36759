from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from vitrina.shipping.schemas import OptionOut


class QuantityIn(BaseModel):
    quantity: int = Field(ge=0, le=10_000, description="How many; 0 removes the product.")
    variant_id: int | None = Field(
        default=None,
        ge=1,
        le=2_147_483_647,
        description="Which of the product's variants; may be left out for a product sold "
        "in one variant.",
    )


class PromoIn(BaseModel):
    code: str = Field(min_length=1, max_length=64, description="A coupon's number.")


class ProductSnapshot(BaseModel):
    id: int
    variant_id: int
    sku: str | None
    options: str = Field(description='The variant\'s option values ("Size: M, Colour: red").')
    name: str
    slug: str
    price: int
    currency: str
    image_url: str | None
    available_stock: int
    is_active: bool


class BasketLineOut(BaseModel):
    product: ProductSnapshot
    quantity: int
    line_total: int


class CouponOut(BaseModel):
    number: str
    percent: Decimal | None = Field(description="Percent off; null for an amount-off coupon.")
    amount_off: int | None = Field(
        default=None, description="Amount off in minor units of the basket's currency."
    )
    currency: str | None = Field(default=None, description="The basket's currency.")


class StockWarning(BaseModel):
    product_id: int | None
    message: str


class CheckoutOut(BaseModel):
    url: str | None
    session_id: str
    expires_at: datetime
    amount_total: int
    currency: str


class BasketOut(BaseModel):
    id: int | None = Field(description="None for a guest who has not added anything yet.")
    unique_code: str | None
    currency: str
    items: list[BasketLineOut]
    subtotal: int
    discount: int
    shipping: int
    total: int
    tax: int = Field(
        default=0, description="Tax in the total: included in the prices, or added to them."
    )
    tax_included: bool = Field(default=False, description="The prices include the tax.")
    tax_at_checkout: bool = Field(
        default=False,
        description="Stripe computes the tax on its page, from the address it collects.",
    )
    shipping_country: str | None = Field(
        default=None, description="The country the shipping options are for."
    )
    shipping_options: list[OptionOut] = Field(
        default=[],
        description="Cheapest first; `shipping` and `total` count the first, which Stripe's "
        "page preselects.",
    )
    coupon: CouponOut | None
    warnings: list[StockWarning]
    notices: list[str] = Field(
        default=[],
        description="Once only: what did not come across as it was when a guest's basket "
        "was merged into the account's by this request.",
    )
    checkout: CheckoutOut | None
