"""Staff keep tax rates in the admin."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from admin.helpers import admin_login, admin_post
from vitrina.taxes.models import TaxClass, TaxRate


async def test_a_tax_rate_made_in_the_admin(client, staff, session) -> None:
    await admin_login(client, staff)
    made = await admin_post(
        client,
        "/admin/tax-rate/create",
        data={
            "country": "fr",
            "region": "",
            "tax_class": "reduced",
            "percentage": "5.5",
            "display_name": "TVA",
            "is_active": "y",
        },
    )
    assert made.status_code == 302, made.text[:3000]
    rate = await session.scalar(select(TaxRate).where(TaxRate.country == "FR"))
    assert rate is not None and rate.tax_class is TaxClass.REDUCED
    assert rate.percentage == Decimal("5.5") and rate.region is None
    listed = await client.get("/admin/tax-rate/list")
    assert "Reduced rate" in listed.text and "5.5 %" in listed.text
    form = await client.get("/admin/product/create")
    assert "Tax class" in form.text and "Shipping weight (grams)" in form.text
