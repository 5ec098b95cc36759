"""Every table, imported in one place so that Alembic and the mappers see the whole schema."""

from vitrina.accounts.models import PasswordResetToken, RefreshToken, Role, User
from vitrina.audit.models import AuditEntry
from vitrina.basket.models import Basket, BasketItem, CheckoutSession, StockReservation
from vitrina.catalog.import_models import CatalogImport
from vitrina.catalog.models import (
    Category,
    Product,
    ProductImage,
    ProductOption,
    ProductOptionValue,
    ProductVariant,
    VariantOptionValue,
)
from vitrina.coupons.models import CouponAmount, CouponRedemption, DiscountCoupon
from vitrina.currencies.models import StoreCurrency, VariantPrice
from vitrina.db import Base
from vitrina.orders.models import Order, OrderEvent, OrderItem, WebhookEvent
from vitrina.payments.sync.models import StripeTombstone, SyncLease
from vitrina.shipping.models import ShippingMethod, ShippingZone
from vitrina.taxes.models import TaxRate

__all__ = [
    "AuditEntry",
    "Base",
    "Basket",
    "BasketItem",
    "CatalogImport",
    "Category",
    "CheckoutSession",
    "CouponAmount",
    "CouponRedemption",
    "DiscountCoupon",
    "Order",
    "OrderEvent",
    "OrderItem",
    "PasswordResetToken",
    "Product",
    "ProductImage",
    "ProductOption",
    "ProductOptionValue",
    "ProductVariant",
    "RefreshToken",
    "Role",
    "ShippingMethod",
    "ShippingZone",
    "StockReservation",
    "StoreCurrency",
    "StripeTombstone",
    "SyncLease",
    "TaxRate",
    "User",
    "VariantOptionValue",
    "VariantPrice",
    "WebhookEvent",
]
