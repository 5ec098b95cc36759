"""Amount-off coupons in the admin: the kind, the amount in major units of the store's
currency, a line per enabled currency, and the list's "$5.00 off" / "10% off"."""

from __future__ import annotations

from decimal import Decimal

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from admin.helpers import admin_login, admin_post
from vitrina.accounts.models import User
from vitrina.coupons.models import DiscountCoupon
from vitrina.currencies.models import StoreCurrency

BASE = {"end_at": "2099-05-01T12:00", "is_active": "y", "save": "Save"}


async def _coupon(session: AsyncSession, number: str) -> DiscountCoupon:
    session.expire_all()
    coupon = await session.scalar(select(DiscountCoupon).where(DiscountCoupon.number == number))
    assert coupon is not None
    return coupon


async def test_amount_coupons_are_made_and_changed_in_the_admin(
    client: httpx.AsyncClient, staff: User, session: AsyncSession
) -> None:
    session.add_all(
        [
            StoreCurrency(code="eur", rate=Decimal("0.92")),
            StoreCurrency(code="jpy", rate=Decimal("150")),
        ]
    )
    await session.commit()
    await admin_login(client, staff)
    form = (await client.get("/admin/discount-coupon/create")).text
    assert 'name="amount_in_eur"' in form and 'name="amount_in_jpy"' in form
    assert 'name="amount_in_usd"' not in form
    made = await admin_post(
        client,
        "/admin/discount-coupon/create",
        {**BASE, "number": "FIVE", "kind": "amount", "amount_off": "5.00", "amount_in_jpy": "700"},
    )
    assert made.status_code == 302, made.text[:3000]
    coupon = await _coupon(session, "FIVE")
    assert (coupon.discount, coupon.amount_off) == (None, 500)
    assert {a.currency: a.amount_minor for a in coupon.amounts} == {"jpy": 700}
    coupon_id = coupon.id
    percent = await admin_post(
        client,
        "/admin/discount-coupon/create",
        {**BASE, "number": "TEN", "kind": "percent", "discount": "10", "amount_off": "3"},
    )
    assert percent.status_code == 302, percent.text[:3000]
    assert (await _coupon(session, "TEN")).amount_off is None

    listed = (await client.get("/admin/discount-coupon/list")).text
    assert "$5.00 off" in listed and "10% off" in listed

    edit = (await client.get(f"/admin/discount-coupon/edit/{coupon_id}")).text
    assert 'value="5.00"' in edit and 'value="700"' in edit
    assert '<option selected value="amount">' in edit
    changed = await admin_post(
        client,
        f"/admin/discount-coupon/edit/{coupon_id}",
        {**BASE, "number": "FIVE", "kind": "amount", "amount_off": "6", "amount_in_eur": "5.50"},
    )
    assert changed.status_code == 302, changed.text[:3000]
    coupon = await _coupon(session, "FIVE")
    assert coupon.amount_off == 600
    assert {a.currency: a.amount_minor for a in coupon.amounts} == {"eur": 550}

    neither = await admin_post(
        client, "/admin/discount-coupon/create", {**BASE, "number": "NONE", "kind": "amount"}
    )
    assert neither.status_code == 400
    fractional = await admin_post(
        client,
        "/admin/discount-coupon/create",
        {**BASE, "number": "YEN", "kind": "amount", "amount_off": "1", "amount_in_jpy": "1.5"},
    )
    assert fractional.status_code == 400
    assert "Too many decimal places" in fractional.text
