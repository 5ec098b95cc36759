"""Staff changes made through the JSON API land in the audit log with who, before and after."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts.models import User
from vitrina.audit.models import AuditEntry

COUPON = {"number": "SPRING", "discount": "15", "end_at": 4102444800}


async def entries(session: AsyncSession, entity_type: str) -> list[AuditEntry]:
    rows = await session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == entity_type).order_by(AuditEntry.id)
    )
    return list(rows)


async def test_coupon_changes_through_the_api_are_audited(
    client: httpx.AsyncClient, session: AsyncSession, staff: User, staff_headers: dict[str, str]
) -> None:
    created = await client.post("/api/v1/coupons", json=COUPON, headers=staff_headers)
    assert created.status_code == 201, created.text
    coupon_id = created.json()["id"]
    patched = await client.patch(
        f"/api/v1/coupons/{coupon_id}", json={"number": "SUMMER"}, headers=staff_headers
    )
    assert patched.status_code == 200, patched.text

    create, update = await entries(session, "DiscountCoupon")
    assert (create.action, create.actor_id, create.entity_id) == (
        "create",
        staff.id,
        str(coupon_id),
    )
    assert create.before is None and create.after is not None
    assert create.after["number"] == "SPRING"
    assert update.action == "update" and update.actor_id == staff.id
    assert update.before is not None and update.before["number"] == "SPRING"
    assert update.after is not None and update.after["number"] == "SUMMER"


async def test_customer_requests_write_no_audit_entries(
    client: httpx.AsyncClient, session: AsyncSession, customer_headers: dict[str, str]
) -> None:
    response = await client.patch(
        "/api/v1/users/me", json={"full_name": "New Name"}, headers=customer_headers
    )
    assert response.status_code == 200
    assert await entries(session, "User") == []
