"""The seed's Stripe classes, under the seed's names, from one module.

    from vitrina.payments.seed import CreateStripeItem, StripeSession, ExpireSession

Used by hand they read STRIPE_API_KEY and STRIPE_API_BASE from the environment (with neither,
the local emulator's address from PUBLIC_BASE_URL). Catalog and coupon classes:
`payments/seed_items.py`; Checkout Session classes: `payments/checkout_session.py`.
"""

from vitrina.payments.checkout_session import ExpireSession, StripeSession
from vitrina.payments.seed_items import (
    ActivateStipeItem,
    ActivateStripeItem,
    CreateDiscountCoupon,
    CreateStripeItem,
    DeactivateStripeItem,
    DeleteDiscountCoupon,
    Stripe,
    StripeItems,
    UpdateDiscountCoupon,
    UpdateStripeItem,
)

__all__ = [
    "ActivateStipeItem",
    "ActivateStripeItem",
    "CreateDiscountCoupon",
    "CreateStripeItem",
    "DeactivateStripeItem",
    "DeleteDiscountCoupon",
    "ExpireSession",
    "Stripe",
    "StripeItems",
    "StripeSession",
    "UpdateDiscountCoupon",
    "UpdateStripeItem",
]
