from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.conftest import Login, bearer
from vitrina.accounts.models import RefreshToken, User
from vitrina.accounts.security import hash_opaque_token
from vitrina.kit.clock import utcnow

REFRESH = "/api/v1/auth/refresh"


async def _tokens(login: Login) -> dict[str, str]:
    response = await login("customer@example.com")
    assert response.status_code == 200
    return dict(response.json())


async def test_refresh_rotates_within_the_family(
    client: httpx.AsyncClient, login: Login, customer: User, session: AsyncSession
) -> None:
    first = await _tokens(login)
    response = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert response.status_code == 200, response.text
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await client.get("/api/v1/users/me", headers=bearer(second["access_token"]))).is_success

    rows = {r.token_hash: r for r in await session.scalars(select(RefreshToken))}
    old, new = (
        rows[hash_opaque_token(first["refresh_token"])],
        rows[hash_opaque_token(second["refresh_token"])],
    )
    assert old.family_id == new.family_id
    assert old.used_at is not None and new.used_at is None
    assert first["refresh_token"] not in {r.token_hash for r in rows.values()}


async def test_replaying_a_rotated_token_revokes_the_whole_family(
    client: httpx.AsyncClient, login: Login, customer: User, session: AsyncSession
) -> None:
    first = await _tokens(login)
    second = (await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})).json()

    replay = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    assert "already been used" in replay.json()["detail"]
    # The thief's replay also ends the legitimate holder's session: the family is gone.
    after = await client.post(REFRESH, json={"refresh_token": second["refresh_token"]})
    assert after.status_code == 401
    revoked = [r.revoked_at for r in await session.scalars(select(RefreshToken))]
    assert revoked and all(revoked)


async def test_other_families_survive_a_replay(
    client: httpx.AsyncClient, login: Login, customer: User
) -> None:
    laptop, phone = await _tokens(login), await _tokens(login)
    await client.post(REFRESH, json={"refresh_token": laptop["refresh_token"]})
    await client.post(REFRESH, json={"refresh_token": laptop["refresh_token"]})
    response = await client.post(REFRESH, json={"refresh_token": phone["refresh_token"]})
    assert response.status_code == 200


async def test_unknown_expired_and_empty_refresh_tokens_are_refused(
    client: httpx.AsyncClient, login: Login, customer: User, session: AsyncSession
) -> None:
    assert (await client.post(REFRESH, json={"refresh_token": "nope"})).status_code == 401
    assert (await client.post(REFRESH, json={"refresh_token": ""})).status_code == 422
    tokens = await _tokens(login)
    await session.execute(update(RefreshToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    await session.commit()
    response = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 401
    assert response.json() == {"detail": "The refresh token is invalid or has expired."}


async def test_a_deactivated_user_cannot_refresh(
    client: httpx.AsyncClient, login: Login, customer: User, session: AsyncSession
) -> None:
    tokens = await _tokens(login)
    await session.execute(update(User).values(is_active=False))
    await session.commit()
    response = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 401


async def test_logout_revokes_the_refresh_token(
    client: httpx.AsyncClient, login: Login, customer: User
) -> None:
    tokens = await _tokens(login)
    response = await client.post(
        "/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}
    )
    assert response.status_code == 204
    refused = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert refused.status_code == 401
    again = await client.post(
        "/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}
    )
    assert again.status_code == 204


async def test_two_concurrent_refreshes_with_one_token_cannot_both_win(
    client: httpx.AsyncClient, login: Login, customer: User, session: AsyncSession
) -> None:
    tokens = await _tokens(login)
    body = {"refresh_token": tokens["refresh_token"]}
    responses = await asyncio.gather(*(client.post(REFRESH, json=body) for _ in range(4)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 401, 401, 401]
    active = [r for r in await session.scalars(select(RefreshToken)) if r.revoked_at is None]
    assert active == [], "a detected race revokes the family, including the winner's token"
