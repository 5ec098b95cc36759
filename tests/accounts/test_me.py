from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.conftest import Login, bearer
from fixtures.accounts import DEFAULT_PASSWORD
from vitrina.accounts.models import User

ME = "/api/v1/users/me"
CHANGE = "/api/v1/users/me/password"


async def test_me_shows_the_profile(
    client: httpx.AsyncClient, customer: User, customer_headers: dict[str, str]
) -> None:
    response = await client.get(ME, headers=customer_headers)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == customer.id
    assert body["email"] == "customer@example.com"
    assert body["full_name"] == "Casey Customer"
    assert body["role"] == "customer"
    assert "password_hash" not in body


async def test_me_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get(ME)).status_code == 401


async def test_patch_me_changes_name_and_locale_only(
    client: httpx.AsyncClient,
    customer: User,
    customer_headers: dict[str, str],
    session: AsyncSession,
) -> None:
    response = await client.patch(
        ME,
        json={"full_name": "  Casey C.  ", "locale": "ru", "email": "x@example.com"},
        headers=customer_headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["full_name"] == "Casey C."
    stored = await session.get(User, customer.id)
    assert stored is not None
    assert (stored.full_name, stored.locale, stored.email) == (
        "Casey C.",
        "ru",
        "customer@example.com",
    )
    untouched = await client.patch(ME, json={"locale": "en-GB"}, headers=customer_headers)
    assert untouched.json()["full_name"] == "Casey C."
    assert untouched.json()["locale"] == "en-GB"


async def test_patch_me_rejects_a_bad_locale(
    client: httpx.AsyncClient, customer_headers: dict[str, str]
) -> None:
    response = await client.patch(ME, json={"locale": "<script>"}, headers=customer_headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "locale"]


async def test_password_change_ends_old_sessions_and_starts_a_new_one(
    client: httpx.AsyncClient, login: Login, customer: User
) -> None:
    old = (await login("customer@example.com")).json()
    response = await client.post(
        CHANGE,
        json={"current_password": DEFAULT_PASSWORD, "new_password": "N3w-password"},
        headers=bearer(old["access_token"]),
    )
    assert response.status_code == 200, response.text
    fresh = response.json()

    assert (await client.get(ME, headers=bearer(old["access_token"]))).status_code == 401
    refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]}
    )
    assert refresh.status_code == 401
    assert (await client.get(ME, headers=bearer(fresh["access_token"]))).status_code == 200
    assert (await login("customer@example.com")).status_code == 401
    assert (await login("customer@example.com", "N3w-password")).status_code == 200


async def test_password_change_checks_the_current_password_and_the_new_one(
    client: httpx.AsyncClient, customer_headers: dict[str, str]
) -> None:
    wrong = await client.post(
        CHANGE,
        json={"current_password": "not-it-1", "new_password": "N3w-password"},
        headers=customer_headers,
    )
    assert wrong.status_code == 400
    assert wrong.json() == {"detail": "The current password is incorrect."}
    weak = await client.post(
        CHANGE,
        json={"current_password": DEFAULT_PASSWORD, "new_password": "12345678"},
        headers=customer_headers,
    )
    assert weak.status_code == 422
    assert weak.json()["detail"][0]["loc"] == ["body", "new_password"]
    same_as_email = await client.post(
        CHANGE,
        json={"current_password": DEFAULT_PASSWORD, "new_password": "customer@example.com"},
        headers=customer_headers,
    )
    assert same_as_email.status_code == 422
    assert same_as_email.json()["detail"][0]["loc"] == ["body", "new_password"]
