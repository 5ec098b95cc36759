"""Words the admin shows for the store's stored values (marked for translation)."""

from __future__ import annotations

from vitrina.orders.models import OrderStatus, RefundStatus


def N_(message: str) -> str:  # noqa: N802 - gettext's customary marker
    return message


STATUS_LABELS: dict[OrderStatus, str] = {
    OrderStatus.AWAITING_PAYMENT: N_("Awaiting payment"),
    OrderStatus.PAID: N_("Paid"),
    OrderStatus.PROCESSING: N_("Processing"),
    OrderStatus.SHIPPED: N_("Shipped"),
    OrderStatus.DELIVERED: N_("Delivered"),
    OrderStatus.CANCELLED: N_("Cancelled"),
    OrderStatus.REFUNDED: N_("Refunded"),
}

TRANSITION_LABELS: dict[OrderStatus, str] = {
    OrderStatus.PROCESSING: N_("Start processing"),
    OrderStatus.SHIPPED: N_("Mark shipped"),
    OrderStatus.DELIVERED: N_("Mark delivered"),
    OrderStatus.CANCELLED: N_("Cancel order"),
}

REFUND_STATUS_LABELS: dict[RefundStatus, str] = {
    RefundStatus.PENDING: N_("Pending"),
    RefundStatus.SENT: N_("Sent to Stripe"),
    RefundStatus.FAILED: N_("Refused by Stripe"),
}

REFUND_REASONS: dict[str, str] = {
    "requested_by_customer": N_("Requested by the customer"),
    "duplicate": N_("Duplicate payment"),
    "fraudulent": N_("Fraudulent payment"),
}

EVENT_LABELS: dict[str, str] = {
    "created": N_("Order created"),
    "status_changed": N_("Status changed"),
    "refund_requested": N_("Refund sent"),
    "refund_refused": N_("Refund refused"),
    "refunded": N_("Stripe confirmed a refund"),
    "flagged": N_("Flagged for review"),
    "review_resolved": N_("Review resolved"),
    "stock_shortfall": N_("Not enough stock"),
    "note": N_("Note"),
}

ROLE_LABELS: dict[str, str] = {
    "customer": N_("Customer"),
    "staff": N_("Staff"),
    "admin": N_("Administrator"),
}

SYNC_LABELS: dict[str, str] = {
    "synced": N_("Up to date"),
    "pending": N_("Waiting"),
    "failed": N_("Failing"),
}

ACTION_LABELS: dict[str, str] = {
    "create": N_("Created"),
    "update": N_("Changed"),
    "delete": N_("Deleted"),
    "activate": N_("Put on sale"),
    "deactivate": N_("Taken off sale"),
    "refund": N_("Refund"),
    "note": N_("Note"),
    "stock:adjust": N_("Stock adjusted"),
    "review:resolve": N_("Review resolved"),
    "user.update": N_("User changed"),
    "bulk:price": N_("Prices changed in bulk"),
    "bulk:category": N_("Category changed in bulk"),
    "bulk:activate": N_("Put on sale in bulk"),
    "bulk:deactivate": N_("Taken off sale in bulk"),
    "sync:retry": N_("Stripe sync retried"),
    **{f"status:{s.value}": label for s, label in STATUS_LABELS.items()},
    **{f"image:{op}": N_("Images changed") for op in ("add", "alt", "up", "down", "remove")},
}

ENTITY_LABELS: dict[str, str] = {
    "Product": N_("Product"),
    "Category": N_("Category"),
    "DiscountCoupon": N_("Coupon"),
    "User": N_("User"),
    "Order": N_("Order"),
    "OrderEvent": N_("Order history"),
    "OrderRefund": N_("Refund"),
    "OrderRefundLine": N_("Refunded line"),
    "ProductImage": N_("Product image"),
}
