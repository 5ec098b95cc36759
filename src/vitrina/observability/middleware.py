"""Request id, access log and Prometheus metrics, as one pure-ASGI middleware."""

from __future__ import annotations

import os
import time
from typing import Any

import structlog
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter("vitrina_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "vitrina_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
log = structlog.get_logger("vitrina.access")
_Measured = tuple[Any, Any]
_children: dict[tuple[str, str, str], _Measured] = {}


def _metrics(method: str, route: str, status: str) -> _Measured:
    """The request counter and latency histogram of one (method, route, status), found once:
    `labels()` validates and locks on every call, more CPU than counting itself. Routes are
    templates ("unmatched" for any other path), so the entries are few."""
    found = _children.get((method, route, status))
    if found is None:
        found = (REQUESTS.labels(method, route, status), LATENCY.labels(method, route))
        _children[(method, route, status)] = found
    return found


def _incoming_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            incoming = value.decode("latin-1")
            return incoming if 0 < len(incoming) <= 64 else ""
    return ""


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    if path:
        return str(scope.get("root_path", "")) + str(path)
    return "unmatched"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or os.urandom(16).hex()  # as random as uuid4().hex
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            method = scope["method"]
            requests, latency = _metrics(method, route, str(status))
            requests.inc()
            latency.observe(elapsed)
            log.info(
                "request",
                method=method,
                path=scope["path"],
                status=status,
                ms=round(elapsed * 1000, 1),
            )
            structlog.contextvars.unbind_contextvars("request_id")
