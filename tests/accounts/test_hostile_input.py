"""Odd input is a clear 4xx, never a 500."""

from __future__ import annotations

import json
from urllib.parse import quote_from_bytes

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts import service
from vitrina.accounts.models import User
from vitrina.errors import Unprocessable


async def post_json(client: httpx.AsyncClient, path: str, body: object) -> httpx.Response:
    """JSON with ASCII escapes, so that lone surrogates reach the server as `\\ud800`."""
    return await client.post(
        path, content=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )


ODD_STRINGS = ["\ud800x1abcdefg", "abc\x00defg1", "x" * 10_000, "", " ", "é" * 50]


@pytest.mark.parametrize("odd", ODD_STRINGS)
async def test_register_never_500s(client: httpx.AsyncClient, odd: str) -> None:
    for body in (
        {"email": "odd@example.com", "password": odd},
        {"email": odd, "password": "s3cret-enough"},
        {"email": "odd2@example.com", "password": "s3cret-enough", "full_name": odd},
    ):
        response = await post_json(client, "/api/v1/auth/register", body)
        assert response.status_code in (201, 409, 422), (body, response.text)


@pytest.mark.parametrize("odd", ODD_STRINGS)
async def test_login_and_tokens_never_500(
    client: httpx.AsyncClient, customer: User, odd: str
) -> None:
    form = odd.encode("utf-8", "surrogatepass")
    for raw in (
        b"username=" + quote_from_bytes(form).encode() + b"&password=x",
        b"username=customer%40example.com&password=" + quote_from_bytes(form).encode(),
    ):
        login = await client.post(
            "/api/v1/auth/token",
            content=raw,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert login.status_code in (401, 422), login.text
    for path, body in (
        ("/api/v1/auth/refresh", {"refresh_token": odd}),
        ("/api/v1/auth/logout", {"refresh_token": odd}),
        ("/api/v1/auth/password-reset", {"email": odd}),
        ("/api/v1/auth/password-reset/confirm", {"token": odd, "new_password": odd}),
    ):
        response = await post_json(client, path, body)
        assert response.status_code in (202, 204, 400, 401, 422), (path, response.text)


@pytest.mark.parametrize("body", [[], "x", 1, None, {"email": 5, "password": ["a"]}])
async def test_wrong_json_shapes_are_422(client: httpx.AsyncClient, body: object) -> None:
    response = await client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 422


async def test_users_endpoints_bound_their_numbers_and_text(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for params in ({"offset": 10**20}, {"q": "a\x00b"}, {"limit": 10**20}):
        response = await client.get("/api/v1/users", params=params, headers=admin_headers)
        assert response.status_code == 422, (params, response.text)
    huge = await client.patch(
        f"/api/v1/users/{10**20}", json={"is_active": False}, headers=admin_headers
    )
    assert huge.status_code == 422


async def test_openapi_documents_the_accounts_api(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    for path in (
        "/api/v1/auth/register",
        "/api/v1/auth/token",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/auth/password-reset",
        "/api/v1/auth/password-reset/confirm",
        "/api/v1/users/me",
        "/api/v1/users/me/password",
        "/api/v1/users",
        "/api/v1/users/{user_id}",
    ):
        assert path in schema["paths"], path
    flows = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]
    assert flows["password"]["tokenUrl"] == "/api/v1/auth/token"


async def test_services_refuse_unstorable_text_for_every_caller(
    session: AsyncSession, customer: User
) -> None:
    """The storefront and admin call these services directly, without the API's schemas."""
    with pytest.raises(Unprocessable):
        await service.create_user(session, email="a\x00@example.com", password="s3cret-enough")
    with pytest.raises(Unprocessable):
        await service.create_user(session, email="b@example.com", password="s3cret\ud800-x")
    assert await service.authenticate(session, "customer@example.com\x00", "x") is None
    assert await service.authenticate(session, "customer@example.com", "\ud800abc1") is None
