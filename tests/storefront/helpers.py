"""Helpers for driving the pages over HTTP: read the CSRF token, log in through the form."""

from __future__ import annotations

import re

import httpx

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


async def page_token(client: httpx.AsyncClient, path: str = "/login") -> str:
    response = await client.get(path)
    assert response.status_code == 200, response.text[:500]
    return csrf_from(response.text)


async def web_login(client: httpx.AsyncClient, email: str, password: str = "Passw0rd!x") -> None:
    token = await page_token(client)
    response = await client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token, "next": "/"}
    )
    assert response.status_code == 303, response.text[:500]
