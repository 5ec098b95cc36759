"""An emulator served over HTTP, a webhook receiver, and SDK clients for the tests."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from vitrina.stripe_emulator.testing import EmulatorServer, ThreadedServer

WEBHOOK_SECRET = "whsec_test_emulator_secret_0123456789"


@dataclass
class Received:
    body: str
    headers: dict[str, str]


@dataclass
class Receiver:
    """A tiny webhook receiver: records every request; answers `fail_next` with 500 first."""

    server: ThreadedServer
    requests: list[Received] = field(default_factory=list)
    fail_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"{self.server.base_url}/hook"

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()
            self.fail_next = 0

    def of_type(self, event_type: str) -> list[Received]:
        import json

        with self.lock:
            return [r for r in self.requests if json.loads(r.body)["type"] == event_type]


def _receiver_app(receiver: list[Receiver]) -> Starlette:
    async def hook(request: Request) -> Response:
        body = (await request.body()).decode()
        target = receiver[0]
        with target.lock:
            target.requests.append(Received(body, dict(request.headers)))
            if target.fail_next > 0:
                target.fail_next -= 1
                return PlainTextResponse("nope", status_code=500)
        return PlainTextResponse("ok")

    async def landing(request: Request) -> Response:
        return PlainTextResponse(f"landed {request.url.path}?{request.url.query}")

    return Starlette(
        routes=[
            Route("/hook", hook, methods=["POST"]),
            Route("/{path:path}", landing, methods=["GET"]),
        ]
    )


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    holder: list[Receiver] = []
    server = ThreadedServer(_receiver_app(holder))
    holder.append(Receiver(server))
    server.start()
    yield holder[0]
    server.stop()


@pytest.fixture(scope="session")
def emulator_server(receiver: Receiver) -> Iterator[EmulatorServer]:
    with EmulatorServer(
        webhook_url=receiver.url,
        webhook_secret=WEBHOOK_SECRET,
        webhook_retry_base_delay=0.05,
        webhook_max_attempts=4,
    ) as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorServer, receiver: Receiver) -> Iterator[EmulatorServer]:
    emulator_server.reset()
    receiver.clear()
    yield emulator_server
    emulator_server.reset()


@pytest.fixture
def sc(emulator: EmulatorServer) -> stripe.StripeClient:
    return emulator.client()


@pytest.fixture
async def asc(emulator: EmulatorServer) -> AsyncIterator[stripe.StripeClient]:
    """A client for the SDK's `*_async` methods whose httpx pools are closed afterwards."""
    http_client = stripe.HTTPXClient()
    yield emulator.client(http_client=http_client)
    await http_client.close_async()
    http_client.close()


class SDK:
    """One test body for both halves of the SDK: `await sdk(client.v1.x.method, params)` calls
    the method as written, or its `*_async` twin when the test runs asynchronously."""

    def __init__(self, client: stripe.StripeClient, *, asynchronous: bool) -> None:
        self.client = client
        self.asynchronous = asynchronous

    async def __call__(self, method: Callable[..., Any], *args: Any) -> Any:
        if not self.asynchronous:
            return method(*args)
        twin = getattr(method.__self__, f"{method.__name__}_async")
        return await twin(*args)

    async def every(self, page: Any) -> list[Any]:
        """All items of a list or search result, following its pages."""
        if not self.asynchronous:
            return list(page.auto_paging_iter())
        return [item async for item in page.auto_paging_iter()]


@pytest.fixture(params=["sync", "async"])
async def sdk(request: pytest.FixtureRequest, emulator: EmulatorServer) -> AsyncIterator[SDK]:
    if request.param == "sync":
        yield SDK(emulator.client(), asynchronous=False)
        return
    http_client = stripe.HTTPXClient()
    yield SDK(emulator.client(http_client=http_client), asynchronous=True)
    await http_client.close_async()
    http_client.close()


@pytest.fixture
def http(emulator: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emulator.base_url, timeout=30) as client:
        yield client


@pytest.fixture
async def ahttp(emulator: EmulatorServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=emulator.base_url, timeout=30) as client:
        yield client


def auth(key: str = "sk_test_emulator_0123456789") -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def make_price(
    sc: stripe.StripeClient, amount: int = 1000, currency: str = "usd", **product: Any
) -> stripe.Price:
    created = sc.v1.products.create(
        {
            "name": product.pop("name", "Tea"),
            "default_price_data": {"currency": currency, "unit_amount": amount},
            **product,
        }
    )
    assert isinstance(created.default_price, str)
    return sc.v1.prices.retrieve(created.default_price)


def session_params(price_id: str, quantity: int = 1, **extra: Any) -> Any:
    params: dict[str, Any] = {
        "mode": "payment",
        "success_url": "http://127.0.0.1:9/success?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://127.0.0.1:9/cancel",
        "line_items": [{"price": price_id, "quantity": quantity}],
    }
    params.update(extra)
    return params


def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")
