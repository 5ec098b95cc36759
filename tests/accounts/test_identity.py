"""One spelling per address, no look-alike accounts, no common passwords."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.conftest import Login, bearer
from fixtures.accounts import DEFAULT_PASSWORD, MakeUser
from vitrina.accounts import email_address
from vitrina.accounts.models import User
from vitrina.accounts.passwords import is_common

REGISTER = "/api/v1/auth/register"
CYRILLIC_A = "\u0430"


async def test_full_width_and_capital_letters_are_one_address(
    client: httpx.AsyncClient, session: AsyncSession, login: Login
) -> None:
    response = await client.post(
        REGISTER, json={"email": "ＡＮＮＡ@Example.com", "password": "s3cret-enough"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["email"] == "anna@example.com"
    stored = (await session.scalars(select(User))).one()
    assert (stored.email, stored.email_skeleton) == ("anna@example.com", "anna@example.com")
    assert (await login("Anna@EXAMPLE.com", "s3cret-enough")).status_code == 200


@pytest.mark.parametrize(
    "look_alike",
    [
        f"{CYRILLIC_A}nna@example.com",  # Cyrillic а
        "\u0430nn\u0430@ex\u0430mple.com",
        "anna@\u0435xample.com",  # Cyrillic е
        "anna@examp\u217ce.com",  # small Roman numeral fifty
        "an\u200bna@example.com",  # an invisible zero-width space
        "𝐚nna@example.com",  # mathematical bold a (NFKC makes it a)
    ],
)
async def test_a_look_alike_of_an_existing_address_is_refused(
    client: httpx.AsyncClient, make_user: MakeUser, look_alike: str
) -> None:
    await make_user(email="anna@example.com")
    response = await client.post(REGISTER, json={"email": look_alike, "password": "s3cret-enough"})
    assert response.status_code in (409, 422), response.text
    if response.status_code == 409:
        assert "already exists" in response.json()["detail"]


async def test_different_addresses_are_still_welcome(
    client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    await make_user(email="anna@example.com")
    for email in ("anna1@example.com", "annа.petrova@example.com", "иван@example.com"):
        response = await client.post(REGISTER, json={"email": email, "password": "s3cret-enough"})
        assert response.status_code == 201, (email, response.text)


def test_skeletons_of_look_alikes_match_and_of_others_do_not() -> None:
    skeleton = email_address.skeleton
    assert skeleton("раураl@example.com") == skeleton("PayPal@example.com")
    assert skeleton("paypa1@example.com") != skeleton("paypal@example.com")
    assert email_address.normalize_email("  ＭＩＸ@Example.COM ") == "mix@example.com"


@pytest.mark.parametrize(
    "password", ["password1", "qwerty123", "iloveyou1", "P@ssw0rd", "1q2w3e4r", "trustno1"]
)
async def test_common_passwords_are_refused_at_registration(
    client: httpx.AsyncClient, password: str
) -> None:
    response = await client.post(REGISTER, json={"email": "a@example.com", "password": password})
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "password"]
    assert "too common" in error["msg"]


async def test_common_passwords_are_refused_at_change_and_reset(
    client: httpx.AsyncClient, customer: User, customer_headers: dict[str, str]
) -> None:
    change = await client.post(
        "/api/v1/users/me/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": "sunshine1"},
        headers=customer_headers,
    )
    assert change.status_code == 422
    reset = await client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": "t", "new_password": "monkey123"}
    )
    assert reset.status_code == 422
    assert "too common" in reset.json()["detail"][0]["msg"]


def test_a_password_made_of_the_customers_own_name_or_email_is_common() -> None:
    assert is_common("Anna Petrova", ["anna.petrova@example.com", "Anna Petrova"])
    assert is_common("anna.petrova", ["anna.petrova@example.com"])
    assert not is_common("Tr0ub4dor&3", ["anna.petrova@example.com"])


async def test_login_by_a_look_alike_finds_nobody(
    make_user: MakeUser, login: Login, client: httpx.AsyncClient
) -> None:
    await make_user(email="anna@example.com")
    assert (await login(f"{CYRILLIC_A}nna@example.com")).status_code == 401
    token = (await login("anna@example.com")).json()["access_token"]
    assert (await client.get("/api/v1/users/me", headers=bearer(token))).status_code == 200
