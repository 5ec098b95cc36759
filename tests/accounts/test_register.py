from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts.models import Role, User

REGISTER = "/api/v1/auth/register"


async def test_register_creates_a_customer_and_never_returns_the_hash(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    response = await client.post(
        REGISTER,
        json={"email": "New.Person@Example.COM", "password": "s3cret-enough", "full_name": "New"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["email"] == "new.person@example.com"
    assert body["role"] == "customer"
    assert body["full_name"] == "New"
    assert "password" not in response.text and "hash" not in response.text
    stored = (await session.scalars(select(User))).one()
    assert stored.email == "new.person@example.com"
    assert stored.role is Role.CUSTOMER
    assert stored.password_hash.startswith("$2b$04$")


async def test_duplicate_email_is_409_whatever_its_case(
    client: httpx.AsyncClient, customer: User
) -> None:
    response = await client.post(
        REGISTER, json={"email": "CUSTOMER@example.com", "password": "an0ther-pass"}
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "An account with this email address already exists."}


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"email": "a@example.com", "password": "short1!"}, "password", "at least 8"),
        ({"email": "a@example.com", "password": "1234567890"}, "password", "digits only"),
        ({"email": "a@example.com", "password": "onlyletters"}, "password", "letters only"),
        (
            {"email": "a1@example.com", "password": "A1@example.com"},
            "password",
            "same as the email",
        ),
        ({"email": "a@example.com", "password": "é" * 37 + "x1"}, "password", "72 bytes"),
        ({"email": "not-an-email", "password": "s3cret-enough"}, "email", "email"),
        ({"password": "s3cret-enough"}, "email", "Field required"),
        (
            {"email": "a@example.com", "password": "s3cret-enough", "full_name": "x" * 201},
            "full_name",
            "at most 200",
        ),
    ],
)
async def test_weak_or_malformed_input_is_422_with_the_field(
    client: httpx.AsyncClient, payload: dict[str, str], field: str, message: str
) -> None:
    response = await client.post(REGISTER, json=payload)
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert any(e["loc"] == ["body", field] and message in e["msg"] for e in errors), errors


async def test_malformed_json_is_422_not_500(client: httpx.AsyncClient) -> None:
    response = await client.post(
        REGISTER, content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


async def test_concurrent_registrations_of_one_email_create_one_user(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    emails = ["race@example.com", "RACE@example.com", "Race@Example.com"] * 2
    bodies = [{"email": email, "password": "s3cret-enough"} for email in emails[:5]]
    responses = await asyncio.gather(*(client.post(REGISTER, json=body) for body in bodies))
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]
    assert len((await session.scalars(select(User))).all()) == 1
