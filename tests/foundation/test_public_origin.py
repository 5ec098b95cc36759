"""URLs are built from PUBLIC_BASE_URL, never from the Host a request claims; an https store
asks browsers to stay on https and keeps its cookies off plain http."""

from __future__ import annotations

import httpx
import pytest

from admin.helpers import admin_login
from vitrina.accounts.models import User
from vitrina.config import Settings

FORGED = {"Host": "evil.example"}


async def test_a_forged_host_never_becomes_an_absolute_redirect(
    client: httpx.AsyncClient, admin: User, settings: Settings
) -> None:
    anonymous = [await client.get(path, headers=FORGED) for path in ("/admin", "/admin/")]
    logged_in = await admin_login(client, admin)
    visited = [
        await client.get(path, headers=FORGED)
        for path in (
            "/admin",
            "/admin/product/list",
            "/admin/user/list",
            "/login?next=//evil.example/x",
            "/lang/ru?next=http://evil.example/",
        )
    ]
    locations = [r.headers["location"] for r in [*anonymous, *visited] if "location" in r.headers]
    assert f"{settings.public_base_url}/admin/" in locations, "absolute ones name the store"
    for location in locations:
        assert location.startswith(("/", settings.public_base_url + "/")), location
        assert "evil.example" not in location
    assert logged_in.status_code in (302, 303)
    page = await client.get("/admin/product/list", headers=FORGED)
    assert page.status_code == 200 and "evil.example" not in page.text


async def test_an_https_store_sends_hsts_and_only_secure_cookies(
    client: httpx.AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "public_base_url", "https://shop.example")
    response = await client.get("/lang/ru?next=/")
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    cookies = response.headers.get_list("set-cookie")
    assert any(c.startswith("lang=ru") for c in cookies)
    assert all("; secure" in c.lower() for c in cookies), cookies


async def test_a_plain_http_store_sends_no_hsts(client: httpx.AsyncClient) -> None:
    response = await client.get("/lang/en?next=/")
    assert "strict-transport-security" not in response.headers
    assert "secure" not in response.headers["set-cookie"].lower()
