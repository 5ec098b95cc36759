"""Access tokens that must not work: forged, expired, wrong type, or for a gone user."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import timedelta

import httpx
import jwt
import pytest
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.conftest import Login, bearer
from vitrina.accounts import security
from vitrina.accounts.models import User
from vitrina.accounts.security import create_access_token
from vitrina.config import Settings
from vitrina.kit.clock import utcnow

ME = "/api/v1/users/me"
BASKET_ITEM = "/api/v1/basket/items/1"


def _claims(user: User, **overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": str(user.id),
        "type": "access",
        "iat": now,
        "exp": now + 600,
        "jti": "x",
        "sid": "s",
        "ver": user.session_version,
    }
    claims.update(overrides)
    return claims


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def _refused(client: httpx.AsyncClient, token: str) -> None:
    """Refused where the account is read as a `User` (the profile) and where it is read as a
    plain row (the basket change, `sessions.SignedIn`), with the same answer."""
    for response in (
        await client.get(ME, headers=bearer(token)),
        await client.put(BASKET_ITEM, json={"quantity": 1}, headers=bearer(token)),
    ):
        assert response.status_code == 401
        assert response.json() == {"detail": "Could not validate credentials."}


async def test_a_well_made_token_is_accepted(
    client: httpx.AsyncClient, customer: User, settings: Settings
) -> None:
    token = jwt.encode(_claims(customer), settings.jwt_key(), algorithm="HS256")
    assert (await client.get(ME, headers=bearer(token))).status_code == 200


async def test_wrong_signature_is_refused(client: httpx.AsyncClient, customer: User) -> None:
    await _refused(client, jwt.encode(_claims(customer), "another-key" * 4, algorithm="HS256"))


async def test_alg_none_is_refused(client: httpx.AsyncClient, customer: User) -> None:
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(customer))}."
    await _refused(client, unsigned)


async def test_expired_token_is_refused(
    client: httpx.AsyncClient, customer: User, settings: Settings
) -> None:
    past = int(time.time()) - 3600
    token = jwt.encode(
        _claims(customer, iat=past, exp=past + 60), settings.jwt_key(), algorithm="HS256"
    )
    await _refused(client, token)
    stale = create_access_token(customer, now=utcnow() - timedelta(hours=1))
    await _refused(client, stale)


async def test_a_token_verified_before_is_refused_once_it_expires(
    client: httpx.AsyncClient,
    customer: User,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`decode_access_token` remembers a verified token, not that it may be used: its expiry
    is checked on every request, and another key does not accept it."""
    token = create_access_token(customer)
    assert (await client.get(ME, headers=bearer(token))).status_code == 200  # remembered
    later = utcnow() + timedelta(minutes=settings.access_token_minutes, seconds=1)
    monkeypatch.setattr(security, "utcnow", lambda: later)
    await _refused(client, token)
    with pytest.raises(security.InvalidToken):
        security._verified(token, "another-key-" + "k" * 40)


@pytest.mark.parametrize("kind", ["refresh", "reset", None])
async def test_wrong_or_missing_type_is_refused(
    client: httpx.AsyncClient, customer: User, settings: Settings, kind: str | None
) -> None:
    claims = _claims(customer, type=kind)
    if kind is None:
        del claims["type"]
    await _refused(client, jwt.encode(claims, settings.jwt_key(), algorithm="HS256"))


async def test_a_refresh_token_is_not_an_access_token(
    client: httpx.AsyncClient, login: Login, customer: User
) -> None:
    tokens = (await login("customer@example.com")).json()
    await _refused(client, tokens["refresh_token"])


@pytest.mark.parametrize(
    "overrides",
    [{"sid": None}, {"ver": None}, {"ver": "1"}, {"ver": 2**63}, {"sid": "x" * 65}, {"ver": 2}],
)
async def test_missing_malformed_or_stale_session_claims_are_refused(
    client: httpx.AsyncClient, customer: User, settings: Settings, overrides: dict[str, object]
) -> None:
    claims = {k: v for k, v in _claims(customer, **overrides).items() if v is not None}
    await _refused(client, jwt.encode(claims, settings.jwt_key(), algorithm="HS256"))


@pytest.mark.parametrize("garbage", ["x", "a.b.c", "Bearer", "é"])
async def test_garbage_is_refused(client: httpx.AsyncClient, garbage: str) -> None:
    response = await client.get(ME, headers={"Authorization": f"Bearer {garbage}".encode()})
    assert response.status_code == 401


async def test_token_of_a_deleted_user_is_refused(
    client: httpx.AsyncClient,
    customer: User,
    auth_headers: Callable[[User], dict[str, str]],
    session: AsyncSession,
) -> None:
    headers = auth_headers(customer)
    await session.execute(delete(User).where(User.id == customer.id))
    await session.commit()
    await _refused(client, headers["Authorization"].removeprefix("Bearer "))


async def test_token_of_a_deactivated_user_is_refused(
    client: httpx.AsyncClient,
    customer: User,
    auth_headers: Callable[[User], dict[str, str]],
    session: AsyncSession,
) -> None:
    headers = auth_headers(customer)
    await session.execute(update(User).values(is_active=False))
    await session.commit()
    await _refused(client, headers["Authorization"].removeprefix("Bearer "))
