"""The access-token dependencies other features protect their endpoints with."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from vitrina.accounts.dependencies import AdminUser, CurrentUser, OptionalUser, StaffUser
from vitrina.accounts.models import User

probe = APIRouter(prefix="/api/v1/_accounts_probe", include_in_schema=False)


@probe.get("/current")
async def _current(user: CurrentUser) -> dict[str, object]:
    return {"id": user.id, "role": user.role.value}


@probe.get("/optional")
async def _optional(user: OptionalUser) -> dict[str, object]:
    return {"id": user.id if user else None}


@probe.get("/staff")
async def _staff(user: StaffUser) -> dict[str, object]:
    return {"id": user.id}


@probe.get("/admin")
async def _admin(user: AdminUser) -> dict[str, object]:
    return {"id": user.id}


@pytest.fixture(scope="session", autouse=True)
def _probe_routes(app: FastAPI) -> None:
    if not any(getattr(r, "path", "").startswith("/api/v1/_accounts_probe") for r in app.routes):
        app.include_router(probe)


async def test_current_user_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/_accounts_probe/current")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_current_user_is_loaded_from_the_token(
    client: httpx.AsyncClient, customer: User, customer_headers: dict[str, str]
) -> None:
    response = await client.get("/api/v1/_accounts_probe/current", headers=customer_headers)
    assert response.json() == {"id": customer.id, "role": "customer"}


async def test_optional_user_is_none_when_anonymous(
    client: httpx.AsyncClient, customer: User, customer_headers: dict[str, str]
) -> None:
    assert (await client.get("/api/v1/_accounts_probe/optional")).json() == {"id": None}
    signed_in = await client.get("/api/v1/_accounts_probe/optional", headers=customer_headers)
    assert signed_in.json() == {"id": customer.id}
    bad = await client.get(
        "/api/v1/_accounts_probe/optional", headers={"Authorization": "Bearer x.y.z"}
    )
    assert bad.status_code == 401


@pytest.mark.parametrize(
    ("path", "customer_status", "staff_status", "admin_status"),
    [
        ("/api/v1/_accounts_probe/staff", 403, 200, 200),
        ("/api/v1/_accounts_probe/admin", 403, 403, 200),
    ],
)
async def test_roles_guard_staff_and_admin_routes(
    client: httpx.AsyncClient,
    customer: User,
    staff: User,
    admin: User,
    auth_headers: Callable[[User], dict[str, str]],
    path: str,
    customer_status: int,
    staff_status: int,
    admin_status: int,
) -> None:
    assert (await client.get(path)).status_code == 401
    assert (await client.get(path, headers=auth_headers(customer))).status_code == customer_status
    assert (await client.get(path, headers=auth_headers(staff))).status_code == staff_status
    assert (await client.get(path, headers=auth_headers(admin))).status_code == admin_status
