"""The storefront: server-rendered pages that call the same services as the API."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from vitrina.accounts.sessions import WEB_SESSION_SECONDS
from vitrina.config import Settings
from vitrina.storefront import i18n
from vitrina.storefront.errors import install_page_errors
from vitrina.storefront.headers import SecurityHeadersMiddleware
from vitrina.storefront.router import router
from vitrina.storefront.web import SESSION_COOKIE, cookie_is_secure, session_secret

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
API_PREFIX = "/api/"


def _mounted(app: FastAPI, path: str) -> bool:
    return any(isinstance(route, Mount) and route.path == path for route in app.routes)


class NotForTheAPI:
    """Runs `middleware` around every request except the JSON API's: the API authenticates
    with bearer tokens and never reads the pages' session cookie, so it skips decoding it."""

    def __init__(self, app: ASGIApp, /, middleware: Callable[..., Any], **options: Any) -> None:
        self.app = app
        self.wrapped = middleware(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
        else:
            await self.wrapped(scope, receive, send)


def install_storefront(app: FastAPI) -> None:
    """Pages at /, static files at /static, sessions, security headers (/media is the app's)."""
    settings: Settings = app.state.settings
    i18n.load_all()
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(
        NotForTheAPI,
        middleware=SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie=SESSION_COOKIE,
        max_age=WEB_SESSION_SECONDS,
        same_site="lax",
        https_only=cookie_is_secure(settings),
    )
    install_page_errors(app)
    if not _mounted(app, "/static"):
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(router)


__all__ = ["NotForTheAPI", "install_storefront"]
