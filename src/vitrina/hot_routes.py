"""The busiest requests served straight by their endpoints, past FastAPI's routing.

A catalogue read's own work (two short statements and a JSON body), and even a basket
change's, is not much more than what FastAPI does around it: walking the included routers to
match the path, solving the endpoint's dependencies (the bearer token, the settings, the
session, each parameter), the exit stack and exception layers. For a request of a route
listed here, this middleware calls a `Serve` function the route's feature gives: it checks
what the request carries as FastAPI would, then calls the same endpoint function.

What FastAPI would do differently is left to FastAPI. A `Serve` answers None for a request
it does not take as it is (an anonymous read given a token, a path or body FastAPI would
refuse with its 422), and the request goes on to the app as if this middleware were not
there, its body replayed. A `VitrinaError`, and an `HTTPException` (the body limit's 413,
met while reading the body, which could not be replayed), are rendered here exactly as the
app's handlers render them. Any other exception also hands the request over: a read is safe
to run again, and a write's `Serve` runs it in a session that is rolled back on the way out, so the
framework runs the request again from the start and answers the error as it always does
(422, 503, 500 and their logs).

It sits inside every other middleware (request id, access log, metrics, security headers,
public origin, compression, body limit), which see these requests as any other;
`scope["route"]` is set to the endpoint's route, so metrics name it as the framework would.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import structlog
from fastapi import APIRouter
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vitrina.config import get_settings
from vitrina.errors import VitrinaError, error_response, http_error_response

Endpoint = Callable[..., Awaitable[Response]]
Serve = Callable[[Request, dict[str, str]], Awaitable[Response | None]]
"""Serves a request of its route given the path's parameters by name: the endpoint's
response, or None to leave the request to FastAPI."""
Model = TypeVar("Model", bound=BaseModel)
log = structlog.get_logger(__name__)


def anonymous_read(endpoint: Endpoint) -> Serve:
    """A catalogue read for a caller without a token: the endpoint called with `request`, no
    token, the settings in force and the path's parameters (it validates its own query
    string, `kit/query_model.py`, raising FastAPI's own `RequestValidationError`)."""

    async def serve(request: Request, parameters: dict[str, str]) -> Response | None:
        if "authorization" in request.headers:
            return None
        return await endpoint(request, token=None, settings=get_settings(), **parameters)

    return serve


def plain_id(text: str, maximum: int = 2_147_483_647) -> int | None:
    """A path's id in the form FastAPI's `PathId` accepts without a word (ASCII digits, 1 to
    `maximum`), else None."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if 1 <= number <= maximum else None


async def json_body(request: Request, model: type[Model]) -> Model | None:
    """The request's body as `model`, when it is JSON FastAPI would read as such (an
    `application/json` content type) and valid; else None."""
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind != "application/json":
        return None
    body = await request.body()
    try:
        return model.model_validate_json(body) if body else None
    except ValidationError:
        return None


@dataclass(frozen=True)
class HotRoute:
    """One of the app's own routes, for one method, served by `serve`; unless a route of that
    method the app would try first also matches the path (`shadows`: GET /products/export
    before /products/{id_or_slug})."""

    route: APIRoute
    method: str
    regex: re.Pattern[str]
    shadows: tuple[re.Pattern[str], ...]
    serve: Serve

    def parameters(self, method: str, path: str) -> dict[str, str] | None:
        """The path's parameters when this route is the one the app would serve it with."""
        if method != self.method:
            return None
        match = self.regex.match(path)
        if match is None or any(earlier.match(path) for earlier in self.shadows):
            return None
        return match.groupdict()


def hot_routes(
    prefix: str, routers: Sequence[APIRouter], served: Mapping[Endpoint, Serve]
) -> list[HotRoute]:
    """The routes of the endpoints in `served`, found in `routers` as the app includes them
    (under `prefix`, in this order), each with its one method."""
    earlier: dict[str, list[re.Pattern[str]]] = {}
    found: list[HotRoute] = []
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                continue
            regex, _, convertors = compile_path(prefix + route.path)
            if route.endpoint in served:
                if any(convertor.regex != "[^/]+" for convertor in convertors.values()):
                    raise ValueError("a hot route's path parameters must be plain strings")
                (method,) = route.methods or ("",)
                shadows = tuple(earlier.get(method, ()))
                found.append(HotRoute(route, method, regex, shadows, served[route.endpoint]))
            for method in route.methods or ():
                earlier.setdefault(method, []).append(regex)
    if len(found) != len(served):
        raise ValueError("every hot endpoint must be a route of one of the routers")
    return found


class _RecordedBody:
    """The request's body as the hot route read it, replayed to the framework when the
    request is handed over."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._messages: list[Message] = []

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self._messages.append(message)
        return message

    def replay(self) -> Receive:
        pending = list(self._messages)

        async def receive() -> Message:
            return pending.pop(0) if pending else await self._receive()

        return receive


class HotRoutesMiddleware:
    def __init__(self, app: ASGIApp, routes: Sequence[HotRoute]) -> None:
        self.app = app
        self.routes = tuple(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            method: str = scope["method"]
            path: str = scope["path"]
            for hot in self.routes:
                parameters = hot.parameters(method, path)
                if parameters is None:
                    continue
                body = _RecordedBody(receive)
                response = await self._served(hot, scope, body.receive, parameters)
                if response is None:
                    receive = body.replay()
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
        try:
            return await hot.serve(Request(scope, receive), parameters)
        except VitrinaError as exc:
            return error_response(exc)
        except HTTPException as exc:  # the body limit's 413, met while reading the body
            return http_error_response(exc)
        except Exception as exc:  # served again by the framework, which logs what it meets
            log.info("hot_route_handed_over", path=scope["path"], error_type=type(exc).__name__)
            return None
