"""Every URL the app builds names PUBLIC_BASE_URL, whatever Host a request carries.

The store has one public origin (Stripe's return URLs already use it). This middleware sets
each request's scheme and host (the `Host` header and `server`) to PUBLIC_BASE_URL's before
anything else sees them, so every URL built from a request (sqladmin's `url_for`, Starlette's
trailing-slash redirects, `request.base_url`) is the store's own: `Host: evil.example` can
never turn into an absolute redirect to evil.example. Starlette's TrustedHostMiddleware would
answer 400 instead, but then every alias must be listed (the address a load balancer's health
check uses, 127.0.0.1 for local tools) or those requests fail; here they are simply served.

When PUBLIC_BASE_URL is https, responses also carry Strict-Transport-Security, and every
cookie set is marked Secure.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = (b"strict-transport-security", b"max-age=31536000")
DEFAULT_PORTS = {"http": 80, "https": 443}


@lru_cache(maxsize=8)
def parse_origin(base_url: str) -> tuple[str, bytes, tuple[str, int]]:
    """(scheme, Host header value, (host, port)) of a base URL."""
    parts = urlsplit(base_url)
    scheme = parts.scheme or "http"
    host = parts.hostname or "localhost"
    port = parts.port or DEFAULT_PORTS.get(scheme, 80)
    return scheme, parts.netloc.encode("latin-1"), (host, port)


def _secure_cookie(value: bytes) -> bytes:
    attributes = {part.strip().lower() for part in value.split(b";")[1:]}
    return value if b"secure" in attributes else value + b"; Secure"


class PublicOriginMiddleware:
    def __init__(self, app: ASGIApp, base_url: Callable[[], str]) -> None:
        self.app = app
        self.base_url = base_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scheme, host, server = parse_origin(self.base_url())
        scope["scheme"] = scheme
        scope["server"] = server
        scope["headers"] = [
            *((name, value) for name, value in scope["headers"] if name != b"host"),
            (b"host", host),
        ]
        if scheme != "https":
            await self.app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, _secure_cookie(value) if name.lower() == b"set-cookie" else value)
                    for name, value in message.get("headers", [])
                ]
                headers.append(HSTS)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_secured)
