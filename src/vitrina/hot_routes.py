"""The busiest anonymous reads served straight by their endpoints, past FastAPI's routing.

A catalogue read's own work (two short statements and a JSON body) is smaller than what
FastAPI does around it: walking the included routers to match the path, solving the
endpoint's dependencies (the bearer token, the settings, each query parameter), the exit
stack and exception layers. For an anonymous `GET` of a path listed here, this middleware
calls the same endpoint function itself: the request as a Starlette `Request`, no token (an
anonymous caller), the settings in force, the path's parameters by name. Every endpoint
listed validates its own query string (`kit/query_model.py`), so a bad value raises the
same `RequestValidationError` it would raise under FastAPI.

What FastAPI would do differently is left to FastAPI: a request with an `Authorization`
header, any other method or path, and any exception but a `VitrinaError` (which is rendered
here exactly as the app's handler renders it) go to the app as if this middleware were not
there; a read is safe to run again, so an endpoint that failed here is simply served again by
the framework, which answers the error as it always does (422, 503, 500 and their logs).
It sits inside every other middleware (request id, access log, metrics, security headers,
public origin, compression), which see these requests as any other; `scope["route"]` is set
to the endpoint's route, so metrics name it as the framework would.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import structlog
from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from vitrina.config import get_settings
from vitrina.errors import VitrinaError, error_response

Endpoint = Callable[..., Awaitable[Response]]
log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class HotRoute:
    """One of the app's own routes, served by calling its endpoint with `request`, `token`,
    `settings` and the path's parameters as keyword arguments; unless a route the app would
    try first also matches the path (`shadows`: GET /products/export before
    /products/{id_or_slug})."""

    route: APIRoute
    regex: re.Pattern[str]
    shadows: tuple[re.Pattern[str], ...]

    def parameters(self, path: str) -> dict[str, str] | None:
        """The path's parameters when this route is the one the app would serve it with."""
        match = self.regex.match(path)
        if match is None or any(earlier.match(path) for earlier in self.shadows):
            return None
        return match.groupdict()


def hot_routes(
    prefix: str, routers: Sequence[APIRouter], endpoints: Sequence[Endpoint]
) -> list[HotRoute]:
    """The `GET` routes of `endpoints`, found in `routers` as the app includes them (under
    `prefix`, in this order)."""
    earlier: list[re.Pattern[str]] = []
    found: list[HotRoute] = []
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute) or "GET" not in (route.methods or ()):
                continue
            regex, _, convertors = compile_path(prefix + route.path)
            if route.endpoint in endpoints:
                if any(convertor.regex != "[^/]+" for convertor in convertors.values()):
                    raise ValueError("a hot route's path parameters must be plain strings")
                found.append(HotRoute(route, regex, tuple(earlier)))
            earlier.append(regex)
    if len(found) != len(endpoints):
        raise ValueError("every hot endpoint must be a GET route of one of the routers")
    return found


def _anonymous(scope: Scope) -> bool:
    return all(name != b"authorization" for name, _ in scope["headers"])


class HotRoutesMiddleware:
    def __init__(self, app: ASGIApp, routes: Sequence[HotRoute]) -> None:
        self.app = app
        self.routes = tuple(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and _anonymous(scope):
            path: str = scope["path"]
            for hot in self.routes:
                parameters = hot.parameters(path)
                if parameters is None:
                    continue
                response = await self._served(hot, scope, receive, parameters)
                if response is None:
                    break
                scope["route"] = hot.route
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _served(
        hot: HotRoute, scope: Scope, receive: Receive, parameters: dict[str, str]
    ) -> Response | None:
        """The endpoint's response, else None: the framework is to serve the request."""
        request = Request(scope, receive)
        try:
            endpoint: Endpoint = hot.route.endpoint
            return await endpoint(request, token=None, settings=get_settings(), **parameters)
        except VitrinaError as exc:
            return error_response(exc)
        except Exception as exc:  # served again by the framework, which logs what it meets
            log.info("hot_route_handed_over", path=scope["path"], error_type=type(exc).__name__)
            return None
