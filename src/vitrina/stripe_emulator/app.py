"""The emulator's ASGI app: `/v1` API, `/c/pay/{id}` hosted page, `/_emulator` controls."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vitrina.stripe_emulator import api
from vitrina.stripe_emulator.clock import Clock
from vitrina.stripe_emulator.controls import CONTROL_ROUTES
from vitrina.stripe_emulator.ids import request_id
from vitrina.stripe_emulator.page import PAGE_ROUTES
from vitrina.stripe_emulator.persistence import SaveAfterChanges, StateFile
from vitrina.stripe_emulator.resources import sessions
from vitrina.stripe_emulator.state import Ctx, EmulatorState
from vitrina.stripe_emulator.webhooks import WebhookSender


class Emulator:
    """What `app.state.emulator` holds: the state, its clock and the webhook sender.

    Mounted inside another app, the emulator's lifespan does not run: the host should
    `await app.state.emulator.aclose()` at shutdown (it stops the expiry sweeper and closes
    the delivery HTTP client).
    """

    sweep_interval = 1.0

    def __init__(self, state: EmulatorState, state_file: StateFile | None = None) -> None:
        self.state = state
        self.state_file = state_file
        self._sweeper: asyncio.Task[None] | None = None

    def ensure_sweeper(self) -> None:
        """Expire open sessions on time even when nobody calls the API (started lazily on
        the running loop, so it also works when mounted)."""
        loop = asyncio.get_running_loop()
        if self._sweeper is None or self._sweeper.done() or self._sweeper.get_loop() is not loop:
            self._sweeper = loop.create_task(self._sweep())
        if self.state_file is not None:
            self.state_file.resume_deliveries()

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_interval)
            sessions.expire_due(Ctx(self.state))

    @property
    def clock(self) -> Clock:
        return self.state.clock

    @property
    def sender(self) -> WebhookSender:
        return self.state.sender

    async def reset(self) -> None:
        await self.state.reset()

    async def aclose(self) -> None:
        sweeper, self._sweeper = self._sweeper, None
        if sweeper is not None and sweeper.get_loop() is asyncio.get_running_loop():
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
        if self.state_file is not None:
            self.state_file.save_now()
        await self.state.sender.aclose()


class RequestIdMiddleware:
    """A `Request-Id` on every response (the API sets its own; pages and controls get one)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "request-id" not in headers:
                    headers["Request-Id"] = request_id()
            await send(message)

        await self.app(scope, receive, send_with_id)


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse(
        {"error": {"type": "invalid_request_error", "message": "Not found."}},
        status_code=404,
        headers={"Request-Id": request_id()},
    )


def create_emulator_app(
    *,
    public_url: str,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    controls: bool = True,
    clock: Clock | None = None,
    webhook_retry_base_delay: float = 1.0,
    webhook_max_attempts: int = 8,
    state_file: Path | None = None,
) -> Starlette:
    """Build an emulator. `public_url` is where this app is reachable from a browser (it
    prefixes each session's `url`), e.g. `http://127.0.0.1:12111` or
    `http://127.0.0.1:8000/stripe-emulator` when mounted at `/stripe-emulator`. With
    `state_file` the state is loaded from that JSON file and kept in it (see persistence)."""
    state = EmulatorState(
        public_url=public_url.rstrip("/"),
        clock=clock or Clock(),
        sender=WebhookSender(
            base_delay=webhook_retry_base_delay, max_attempts=webhook_max_attempts
        ),
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
    )
    persisted = StateFile(state_file, state) if state_file is not None else None
    if persisted is not None:
        persisted.load()
    emulator = Emulator(state, persisted)
    routes: list[BaseRoute] = [
        Route("/v1/{path:path}", api.handle, methods=["GET", "POST", "DELETE"]),
        *PAGE_ROUTES,
    ]
    if controls:
        routes.extend(CONTROL_ROUTES)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        emulator.ensure_sweeper()
        yield
        await emulator.aclose()

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={404: _not_found},
        middleware=[
            Middleware(RequestIdMiddleware),
            *([Middleware(SaveAfterChanges, state_file=persisted)] if persisted else []),
        ],
    )
    app.state.emulator = emulator
    return app
