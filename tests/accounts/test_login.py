from __future__ import annotations

from collections.abc import Callable

import bcrypt
import httpx
import jwt
import pytest

from accounts.conftest import Login, bearer
from fixtures.accounts import MakeUser
from vitrina.accounts.models import User
from vitrina.config import Settings


async def test_login_returns_an_access_jwt_and_an_opaque_refresh_token(
    client: httpx.AsyncClient, login: Login, customer: User, settings: Settings
) -> None:
    response = await login("Customer@Example.com")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.access_token_minutes * 60
    claims = jwt.decode(body["access_token"], settings.jwt_key(), algorithms=["HS256"])
    assert claims["sub"] == str(customer.id)
    assert claims["type"] == "access"
    assert claims["exp"] - claims["iat"] == pytest.approx(settings.access_token_minutes * 60, 1)
    assert claims["jti"]
    assert body["refresh_token"].count(".") == 0 and len(body["refresh_token"]) >= 40
    me = await client.get("/api/v1/users/me", headers=bearer(body["access_token"]))
    assert me.json()["email"] == "customer@example.com"


async def test_wrong_password_and_unknown_email_get_the_same_401(
    login: Login, customer: User
) -> None:
    wrong = await login("customer@example.com", "Wr0ng-password")
    unknown = await login("nobody@example.com", "Wr0ng-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "Incorrect email or password."}
    assert wrong.headers["www-authenticate"] == "Bearer"


async def test_inactive_user_cannot_log_in(login: Login, make_user: MakeUser) -> None:
    await make_user(email="gone@example.com", is_active=False)
    response = await login("gone@example.com")
    assert response.status_code == 401
    assert response.json() == {"detail": "Incorrect email or password."}


async def test_unknown_and_known_emails_both_run_one_bcrypt_check(
    login: Login, customer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bytes] = []
    real_checkpw: Callable[[bytes, bytes], bool] = bcrypt.checkpw

    def spy(password: bytes, hashed: bytes) -> bool:
        calls.append(hashed)
        return real_checkpw(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", spy)
    await login("customer@example.com", "Wr0ng-password")
    await login("nobody@example.com", "Wr0ng-password")
    await login("nobody@example.com", "x" * 100)
    assert len(calls) == 3
    known_hash, dummy_hash, _ = calls
    assert known_hash.startswith(b"$2b$04$")
    assert dummy_hash[:7] == known_hash[:7], "the dummy check must cost the same rounds"


async def test_login_needs_the_form_fields(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/token", data={"username": "a@example.com"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "password"]
