"""Logging in to the admin over HTTP."""

from __future__ import annotations

import httpx

from vitrina.accounts.models import User


async def admin_login(client: httpx.AsyncClient, user: User) -> httpx.Response:
    return await client.post(
        "/admin/login", data={"username": user.email, "password": "Passw0rd!x"}
    )
