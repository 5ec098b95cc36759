from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from fixtures.accounts import DEFAULT_PASSWORD

Login = Callable[..., Awaitable[httpx.Response]]


@pytest.fixture
def login(client: httpx.AsyncClient) -> Login:
    """`await login(email, password=DEFAULT_PASSWORD)` -> the /auth/token response."""

    async def post(email: str, password: str = DEFAULT_PASSWORD, **kwargs: Any) -> httpx.Response:
        return await client.post(
            "/api/v1/auth/token", data={"username": email, "password": password}, **kwargs
        )

    return post


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
