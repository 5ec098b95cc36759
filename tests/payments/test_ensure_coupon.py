"""Checkout's view of the sync: the Stripe coupon for a coupon's terms, made on the spot."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import stripe
from sqlalchemy.ext.asyncio import AsyncSession

from payments.conftest import EmulatorControls, assert_stripe_matches_store, drain
from vitrina.coupons.models import DiscountCoupon
from vitrina.errors import ServiceUnavailable, Unprocessable
from vitrina.kit.clock import to_unix, utcnow
from vitrina.payments.sync import ensure_coupon_in_stripe
from vitrina.payments.sync.ids import coupon_stripe_id

pytestmark = pytest.mark.usefixtures("sync_app")


async def test_ensure_creates_once_and_the_worker_adopts_it(
    session: AsyncSession, emulator: EmulatorControls, stripe_client: stripe.StripeClient
) -> None:
    end_at = utcnow() + timedelta(days=10)
    coupon = DiscountCoupon(number="NOW", discount=Decimal("12.50"), end_at=end_at)
    session.add(coupon)
    await session.commit()

    first = await ensure_coupon_in_stripe(session, coupon)
    again = await ensure_coupon_in_stripe(session, coupon)
    assert first == again == coupon_stripe_id(coupon.id, Decimal("12.50"), to_unix(end_at))
    remote = stripe_client.v1.coupons.retrieve(first)
    assert remote.percent_off == 12.5 and remote.redeem_by == to_unix(end_at)

    await drain()
    await assert_stripe_matches_store()
    await session.refresh(coupon)
    assert coupon.stripe_id == first and coupon.stripe_promotion_code_id


async def test_ensure_refuses_dead_coupons_and_reports_outages(
    session: AsyncSession, emulator: EmulatorControls
) -> None:
    coupon = DiscountCoupon(number="OLD", discount=Decimal(5), end_at=utcnow() - timedelta(1))
    live = DiscountCoupon(number="LIVE", discount=Decimal(5), end_at=utcnow() + timedelta(1))
    session.add_all([coupon, live])
    await session.commit()
    with pytest.raises(Unprocessable):
        await ensure_coupon_in_stripe(session, coupon)
    emulator.fault("500", count=5)
    with pytest.raises(ServiceUnavailable):
        await ensure_coupon_in_stripe(session, live)
