"""The pages' session cookie is decoded for pages, not for the JSON API."""

from __future__ import annotations

import httpx
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import Receive, Scope, Send

from vitrina.storefront import NotForTheAPI


async def _reports_session(scope: Scope, receive: Receive, send: Send) -> None:
    body = b"yes" if "session" in scope else b"no"
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


async def test_the_session_middleware_runs_for_pages_only() -> None:
    app = NotForTheAPI(_reports_session, middleware=SessionMiddleware, secret_key="x" * 32)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/basket")).text == "yes"
        assert (await client.get("/admin/")).text == "yes"
        assert (await client.get("/api/v1/products")).text == "no"
