"""Staff keep the currency table in the admin."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from admin.helpers import admin_login, admin_post
from vitrina.currencies.conversion import Rounding
from vitrina.currencies.models import StoreCurrency


async def test_a_currency_made_and_changed_in_the_admin(client, staff, session) -> None:
    await admin_login(client, staff)
    form = {"code": "EUR", "rate": "0.92", "rounding": "99", "is_enabled": "y", "position": "1"}
    made = await admin_post(client, "/admin/store-currency/create", data=form)
    assert made.status_code == 302, made.text[:3000]
    row = await session.scalar(select(StoreCurrency))
    assert row is not None and (row.code, row.rate, row.rounding) == (
        "eur",
        Decimal("0.92"),
        Rounding.CHARM,
    )
    listed = await client.get("/admin/store-currency/list")
    assert "1 USD = 0.92 EUR" in listed.text and "Ending in .99" in listed.text
    changed = await admin_post(
        client, "/admin/store-currency/edit/eur", data={**form, "rate": "0.95"}
    )
    assert changed.status_code == 302, changed.text[:3000]
    await session.refresh(row)
    assert row.rate == Decimal("0.95")
    refused = await admin_post(client, "/admin/store-currency/create", data={**form, "code": "usd"})
    assert refused.status_code == 400
    assert "USD is the store&#39;s default currency" in refused.text
    shown = (await client.get("/api/v1/currencies")).json()
    assert shown["enabled"] == ["usd", "eur"]
