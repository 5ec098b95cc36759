"""`EmulatorServer`: the emulator on a free 127.0.0.1 port in a background thread.

with EmulatorServer(webhook_url=..., webhook_secret=...) as emulator:
    client = emulator.client()
    client.v1.products.create({"name": "Tea"})
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any

import httpx
import stripe
import uvicorn
from starlette.applications import Starlette

from vitrina.stripe_emulator.app import Emulator, create_emulator_app
from vitrina.stripe_emulator.clock import Clock

DEFAULT_API_KEY = "sk_test_emulator_0123456789"


class ThreadedServer:
    """Any ASGI app served by uvicorn on a free 127.0.0.1 port in a daemon thread."""

    def __init__(self, app: Any, *, startup_timeout: float = 10.0) -> None:
        self.app = app
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._startup_timeout = startup_timeout
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        config = uvicorn.Config(
            self.app, log_level="warning", ws="none", lifespan="on", access_log=False
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=lambda: server.run(sockets=[self._socket]), name="asgi-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._socket.close()


class EmulatorServer:
    def __init__(
        self,
        *,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        webhook_retry_base_delay: float = 0.05,
        webhook_max_attempts: int = 8,
        clock: Clock | None = None,
        api_key: str = DEFAULT_API_KEY,
        startup_timeout: float = 10.0,
    ) -> None:
        self.api_key = api_key
        self._http = ThreadedServer(None, startup_timeout=startup_timeout)
        self.port = self._http.port
        self.base_url = self._http.base_url
        self.app: Starlette = create_emulator_app(
            public_url=self.base_url,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            clock=clock,
            webhook_retry_base_delay=webhook_retry_base_delay,
            webhook_max_attempts=webhook_max_attempts,
        )
        self._http.app = self.app

    @property
    def emulator(self) -> Emulator:
        emulator: Emulator = self.app.state.emulator
        return emulator

    def start(self) -> EmulatorServer:
        self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def client(self, **options: Any) -> stripe.StripeClient:
        options.setdefault("max_network_retries", 0)
        return stripe.StripeClient(self.api_key, base_addresses={"api": self.base_url}, **options)

    def control(self, method: str, path: str, json: Any = None) -> Any:
        """Call a `/_emulator` control and return its JSON (raises on HTTP errors)."""
        with httpx.Client(base_url=self.base_url, timeout=30) as http:
            response = http.request(method, f"/_emulator/{path.lstrip('/')}", json=json)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self.control("POST", "reset")

    def complete_session(self, session_id: str, outcome: str = "paid", **extra: Any) -> Any:
        """Pay (or fail) a session as the hosted page would; returns the session JSON."""
        return self.control(
            "POST", f"checkout/sessions/{session_id}/complete", {"outcome": outcome, **extra}
        )

    def advance_clock(self, seconds: float) -> Any:
        return self.control("POST", "clock/advance", {"seconds": seconds})

    def add_fault(self, kind: str, **options: Any) -> Any:
        return self.control("POST", "faults", {"kind": kind, **options})

    def calls(self, path: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        query = "&".join(
            f"{k}={v}" for k, v in (("path", path), ("method", method)) if v is not None
        )
        calls: list[dict[str, Any]] = self.control("GET", f"calls?{query}")["data"]
        return calls

    def signed_event(
        self, event_id: str, secret: str | None = None, *, stale: bool = False
    ) -> tuple[str, str]:
        """(body, Stripe-Signature header) of an event, signed now with `secret` (default:
        the configured webhook secret)."""
        answer = self.control(
            "POST", f"events/{event_id}/sign", {"secret": secret, "stale_signature": stale}
        )
        return answer["payload"], answer["signature"]
