"""Bulk product changes run as one audited transaction; users are created, changed and
deleted through the accounts services, by administrators only."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from admin.helpers import admin_login, admin_post, csrf
from admin.test_admin_orders import paid_order
from fixtures.accounts import MakeUser
from vitrina.accounts.models import Role, User
from vitrina.audit.models import AuditEntry
from vitrina.catalog.models import Product


async def test_bulk_changes_all_or_nothing_and_audited(
    client: httpx.AsyncClient, staff: User, make_product, session: AsyncSession
) -> None:
    cheap = await make_product(name="Cheap", price=999)
    dear = await make_product(name="Dear", price=10_000)
    await admin_login(client, staff)
    pks = f"{cheap.id},{dear.id}"
    refused = await admin_post(
        client, "/admin/product/bulk", {"pks": pks, "operation": "category", "category_id": "9999"}
    )
    assert refused.status_code == 400 and 'id="bulk-error"' in refused.text
    odd = await admin_post(
        client, "/admin/product/bulk", {"pks": pks, "operation": "price", "percent": "-100"}
    )
    assert odd.status_code == 400
    assert (await session.scalars(select(AuditEntry))).all() == []

    lowered = await admin_post(
        client, "/admin/product/bulk", {"pks": pks, "operation": "price", "percent": "-12.5"}
    )
    assert lowered.status_code == 303
    prices = {
        p.name: p.price
        for p in (await session.scalars(select(Product).execution_options(populate_existing=True)))
    }
    assert prices == {"Cheap": 874, "Dear": 8750}  # 999 - 124.875 rounded half up
    entries = (
        await session.scalars(select(AuditEntry).where(AuditEntry.action == "bulk:price"))
    ).all()
    assert sorted((e.before or {}).get("price") for e in entries) == [999, 10_000]
    assert all(e.actor_id == staff.id for e in entries)


async def test_users_are_created_changed_and_deleted_by_admins_only(
    client: httpx.AsyncClient,
    admin: User,
    make_user: MakeUser,
    customer: User,
    session: AsyncSession,
) -> None:
    clerk = await make_user(email="clerk@example.com", role=Role.STAFF)
    await admin_login(client, clerk)
    not_allowed = await admin_post(
        client,
        f"/admin/user/edit/{customer.id}",
        {"full_name": "X", "role": "admin", "save": "Save"},
    )
    assert not_allowed.status_code == 400 and "Only administrators" in not_allowed.text

    client.cookies.clear()
    await admin_login(client, admin)
    created = await admin_post(
        client,
        "/admin/user/create",
        {
            "email": "New.Person@Example.com",
            "full_name": "New Person",
            "role": "customer",
            "is_active": "y",
            "password": "Str0ng-enough-Passw0rd",
            "save": "Save",
        },
    )
    assert created.status_code == 302, created.text[-2000:]
    person = await session.scalar(select(User).where(User.email == "new.person@example.com"))
    assert person is not None and person.full_name == "New Person"
    weak = await admin_post(
        client,
        "/admin/user/create",
        {"email": "weak@example.com", "role": "customer", "password": "123", "save": "Save"},
    )
    assert weak.status_code == 400 and 'class="alert alert-danger"' not in weak.text
    weakness = re.search(r'id="password"[^>]*>\s*<div class="invalid-feedback">([^<]+)<', weak.text)
    assert weakness, "the weak password is explained next to the password field"

    deleted = await client.delete(
        f"/admin/user/delete?pks={person.id}", headers={"X-CSRF-Token": await csrf(client)}
    )
    assert deleted.status_code == 200 and "error" not in deleted.text
    assert await session.get(User, person.id, populate_existing=True) is None

    await paid_order(session, customer)
    kept = await client.delete(
        f"/admin/user/delete?pks={customer.id}", headers={"X-CSRF-Token": await csrf(client)}
    )
    assert "has orders" in httpx.URL(kept.text).params.get("error", "")
    assert await session.get(User, customer.id, populate_existing=True) is not None
