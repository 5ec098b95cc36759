"""Every table, imported in one place so that Alembic and the mappers see the whole schema."""

from vitrina.accounts.models import PasswordResetToken, RefreshToken, Role, User
from vitrina.audit.models import AuditEntry
from vitrina.basket.models import Basket, BasketItem, CheckoutSession, StockReservation
from vitrina.catalog.models import Category, Product, ProductImage
from vitrina.coupons.models import CouponRedemption, DiscountCoupon
from vitrina.db import Base
from vitrina.orders.models import Order, OrderEvent, OrderItem, WebhookEvent
from vitrina.payments.sync.models import StripeTombstone, SyncLease

__all__ = [
    "AuditEntry",
    "Base",
    "Basket",
    "BasketItem",
    "Category",
    "CheckoutSession",
    "CouponRedemption",
    "DiscountCoupon",
    "Order",
    "OrderEvent",
    "OrderItem",
    "PasswordResetToken",
    "Product",
    "ProductImage",
    "RefreshToken",
    "Role",
    "StockReservation",
    "StripeTombstone",
    "SyncLease",
    "User",
    "WebhookEvent",
]
