"""Security headers for every response, and a strict CSP for the storefront's pages."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

STOREFRONT_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
"""No inline scripts or styles. No form-action: checkout redirects to Stripe's own page."""

OWN_CSP_PREFIXES = ("/admin", "/docs", "/redoc", "/stripe-emulator")
"""Pages built by libraries (sqladmin, Swagger UI, the emulator's page) that need inline
scripts; they still get the other headers and cannot be framed."""

BASE_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        library_page = path.startswith(OWN_CSP_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in BASE_HEADERS:
                    if name not in present:
                        headers.append((name, value))
                if b"content-security-policy" not in present:
                    csp = "frame-ancestors 'none'" if library_page else STOREFRONT_CSP
                    headers.append((b"content-security-policy", csp.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
