"""What checkout needs from the sync: the Stripe coupon for a coupon's current terms, now."""

from __future__ import annotations

import stripe
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.coupons.models import DiscountCoupon
from vitrina.coupons.service import is_expired
from vitrina.errors import Unprocessable
from vitrina.kit.clock import utcnow
from vitrina.payments.client import make_stripe_client
from vitrina.payments.sync.coupons import create_coupon
from vitrina.payments.sync.currency_options import enabled_rates
from vitrina.payments.sync.ids import redeem_by
from vitrina.payments.sync.stripe_io import Delivery, as_vitrina_error
from vitrina.payments.sync.targets import coupon_target


async def ensure_coupon_in_stripe(session: AsyncSession, coupon: DiscountCoupon) -> str:
    """The Stripe coupon id for `coupon`'s current terms (an amount-off coupon's amounts at
    today's rates), creating it if the worker has not.

    The id is deterministic (`vitrina_coupon_<id>_<hash8>`), so this and the worker can
    both create it and only one coupon exists. The row is left to the worker to update.
    """
    if coupon.deleted_at is not None or is_expired(coupon):
        raise Unprocessable("This coupon can no longer be used.")
    target = coupon_target(coupon, await enabled_rates(session))
    prefix = f"vitrina:coupon:{coupon.id}:{target.stripe_id}:{redeem_by(target.end_at, utcnow())}"
    try:
        found = await create_coupon(Delivery(make_stripe_client(), prefix), target)
    except stripe.StripeError as error:
        raise as_vitrina_error(error) from error
    return found.id
