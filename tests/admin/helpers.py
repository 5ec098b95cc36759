"""Logging in to the admin over HTTP and sending its forms with the session's CSRF token."""

from __future__ import annotations

import re
from typing import Any

import httpx

from vitrina.accounts.models import User

TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


async def admin_login(client: httpx.AsyncClient, user: User) -> httpx.Response:
    return await client.post(
        "/admin/login", data={"username": user.email, "password": "Passw0rd!x"}
    )


async def csrf(client: httpx.AsyncClient) -> str:
    """The token the admin's pages carry for this session."""
    page = await client.get("/admin/")
    found = TOKEN.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


async def admin_post(
    client: httpx.AsyncClient, url: str, data: dict[str, Any] | None = None, **options: Any
) -> httpx.Response:
    """POST as the admin's forms do: with the session's CSRF token."""
    return await client.post(
        url, data={**(data or {}), "csrf_token": await csrf(client)}, **options
    )
