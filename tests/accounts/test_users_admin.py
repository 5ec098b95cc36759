from __future__ import annotations

from collections.abc import Callable

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.conftest import Login
from fixtures.accounts import MakeUser
from vitrina.accounts.models import User
from vitrina.audit.models import AuditEntry

USERS = "/api/v1/users"


async def test_listing_users_is_for_staff(
    client: httpx.AsyncClient,
    customer: User,
    customer_headers: dict[str, str],
    staff_headers: dict[str, str],
) -> None:
    assert (await client.get(USERS)).status_code == 401
    forbidden = await client.get(USERS, headers=customer_headers)
    assert forbidden.status_code == 403
    assert forbidden.json() == {"detail": "Staff only."}
    response = await client.get(USERS, headers=staff_headers)
    assert response.status_code == 200
    assert {u["email"] for u in response.json()["items"]} == {
        "customer@example.com",
        "staff@example.com",
    }


async def test_listing_users_paginates_and_filters(
    client: httpx.AsyncClient, make_user: MakeUser, staff_headers: dict[str, str]
) -> None:
    for n in range(5):
        await make_user(email=f"shopper{n}@example.com")
    page = await client.get(USERS, params={"limit": 2, "offset": 2}, headers=staff_headers)
    body = page.json()
    assert body["total"] == 6
    assert [u["email"] for u in body["items"]] == ["shopper1@example.com", "shopper2@example.com"]
    found = await client.get(USERS, params={"q": "PER4"}, headers=staff_headers)
    assert [u["email"] for u in found.json()["items"]] == ["shopper4@example.com"]
    staff_only = await client.get(USERS, params={"role": "staff"}, headers=staff_headers)
    assert [u["email"] for u in staff_only.json()["items"]] == ["staff@example.com"]
    wild = await client.get(USERS, params={"q": "%"}, headers=staff_headers)
    assert wild.json()["total"] == 0
    assert (await client.get(USERS, params={"limit": 0}, headers=staff_headers)).status_code == 422


async def test_only_admins_change_roles_and_activation(
    client: httpx.AsyncClient,
    customer: User,
    staff: User,
    admin: User,
    auth_headers: Callable[[User], dict[str, str]],
    login: Login,
) -> None:
    url = f"{USERS}/{customer.id}"
    assert (await client.patch(url, json={"role": "staff"})).status_code == 401
    by_staff = await client.patch(url, json={"role": "staff"}, headers=auth_headers(staff))
    assert by_staff.status_code == 403
    promoted = await client.patch(url, json={"role": "staff"}, headers=auth_headers(admin))
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "staff"
    assert (await client.get(USERS, headers=auth_headers(customer))).status_code == 200

    tokens = (await login("customer@example.com")).json()
    off = await client.patch(url, json={"is_active": False}, headers=auth_headers(admin))
    assert off.json()["is_active"] is False
    assert (await client.get(USERS, headers=auth_headers(customer))).status_code == 401
    refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refresh.status_code == 401


async def test_admin_cannot_lock_themselves_out(
    client: httpx.AsyncClient, admin: User, auth_headers: Callable[[User], dict[str, str]]
) -> None:
    url = f"{USERS}/{admin.id}"
    for change in ({"role": "customer"}, {"is_active": False}):
        response = await client.patch(url, json=change, headers=auth_headers(admin))
        assert response.status_code == 409
    missing = await client.patch(
        f"{USERS}/999999", json={"role": "staff"}, headers=auth_headers(admin)
    )
    assert missing.status_code == 404
    bad = await client.patch(url, json={"role": "owner"}, headers=auth_headers(admin))
    assert bad.status_code == 422


async def test_role_changes_are_audited(
    client: httpx.AsyncClient,
    customer: User,
    admin: User,
    admin_headers: dict[str, str],
    session: AsyncSession,
) -> None:
    await client.patch(f"{USERS}/{customer.id}", json={"role": "staff"}, headers=admin_headers)
    await client.patch(f"{USERS}/{customer.id}", json={"role": "staff"}, headers=admin_headers)
    (entry,) = (await session.scalars(select(AuditEntry))).all()
    assert (entry.actor_id, entry.action, entry.entity_type, entry.entity_id) == (
        admin.id,
        "user.update",
        "User",
        str(customer.id),
    )
    assert (entry.before, entry.after) == ({"role": "customer"}, {"role": "staff"})
