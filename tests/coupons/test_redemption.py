"""What the basket and orders rely on: finding, validating and redeeming coupons."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts.models import User
from vitrina.coupons import service
from vitrina.coupons.models import DiscountCoupon
from vitrina.db import db_helper
from vitrina.errors import Conflict, Unprocessable
from vitrina.kit.clock import utcnow
from vitrina.orders.models import Order, OrderStatus

_orders = itertools.count(1)


async def _coupon(session: AsyncSession, **fields: Any) -> DiscountCoupon:
    values: dict[str, Any] = {
        "number": "SAVE10",
        "discount": Decimal("10"),
        "end_at": utcnow() + timedelta(days=30),
        **fields,
    }
    coupon = DiscountCoupon(**values)
    session.add(coupon)
    await session.commit()
    return coupon


async def _order(user: User) -> Order:
    async with db_helper.session_factory() as session:
        order = Order(
            user_id=user.id,
            status=OrderStatus.PAID,
            email=user.email,
            currency="usd",
            subtotal=1000,
            total=900,
            stripe_session_id=f"cs_test_{next(_orders)}",
        )
        session.add(order)
        await session.commit()
        return order


async def _redeem(coupon_id: int, user: User, order: Order) -> None:
    async with db_helper.session_factory() as session:
        coupon = await service.get_coupon(session, coupon_id)
        await service.record_redemption(session, coupon, user, order)
        await session.commit()


async def test_find_by_code_ignores_case_and_deleted(app: FastAPI, session: AsyncSession) -> None:
    coupon = await _coupon(session)
    assert (await service.find_coupon_by_code(session, " save10 ")) is coupon
    assert await service.find_coupon_by_code(session, "") is None
    coupon.deleted_at = utcnow()
    await session.commit()
    assert await service.find_coupon_by_code(session, "SAVE10") is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"is_active": False}, "not active"),
        ({"end_at": utcnow() - timedelta(seconds=1)}, "expired"),
        ({"max_redemptions": 2, "times_redeemed": 2}, "fully redeemed"),
        ({"deleted_at": utcnow()}, "does not exist"),
    ],
)
async def test_validate_refuses_with_a_message(
    app: FastAPI, session: AsyncSession, make_user: Any, fields: dict[str, Any], message: str
) -> None:
    coupon = await _coupon(session, **fields)
    with pytest.raises(Unprocessable, match=message):
        await service.validate_coupon_for(session, coupon, await make_user())


async def test_per_customer_limit(app: FastAPI, session: AsyncSession, make_user: Any) -> None:
    coupon = await _coupon(session, max_redemptions_per_customer=1)
    alice, bob = await make_user(), await make_user()
    await service.validate_coupon_for(session, coupon, alice)
    await _redeem(coupon.id, alice, await _order(alice))
    with pytest.raises(Unprocessable, match="already used"):
        await service.validate_coupon_for(session, coupon, alice)
    await service.validate_coupon_for(session, coupon, bob)
    with pytest.raises(Conflict, match="already used"):
        await _redeem(coupon.id, alice, await _order(alice))
    await session.refresh(coupon)
    assert coupon.times_redeemed == 1


async def test_concurrent_redemptions_never_exceed_the_limit(
    app: FastAPI, session: AsyncSession, make_user: Any
) -> None:
    coupon = await _coupon(session, max_redemptions=3)
    users = [await make_user() for _ in range(8)]
    orders = [await _order(u) for u in users]
    results = await asyncio.gather(
        *(_redeem(coupon.id, u, o) for u, o in zip(users, orders, strict=True)),
        return_exceptions=True,
    )
    assert sum(r is None for r in results) == 3
    assert all(isinstance(r, Conflict) for r in results if r is not None)
    await session.refresh(coupon)
    assert coupon.times_redeemed == 3
