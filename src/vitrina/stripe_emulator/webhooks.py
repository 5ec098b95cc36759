"""Signed webhook delivery, in the background, with exponential backoff.

Each attempt is signed afresh the way Stripe signs: `Stripe-Signature: t=<unix>,v1=<hex>`
where v1 is HMAC-SHA256 over `f"{t}.{body}"` keyed with the whole `whsec_...` string. The
timestamp is wall-clock time (receivers compare it with their own clock), not the emulator's
injectable clock. Deliveries never block the API call that caused them: each (event,
destination) pair is an asyncio task that retries non-2xx answers and timeouts with delays of
`base_delay * 2**n` up to `max_attempts` attempts.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

STALE_SIGNATURE_AGE = 3600
MAX_LOGGED_DELIVERIES = 10_000
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def event_payload(event: dict[str, Any]) -> str:
    """The delivered body: pretty JSON like Stripe's (decimals as numbers)."""
    return json.dumps(event, indent=2, default=float)


def sign(payload: str, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


@dataclass(frozen=True)
class Destination:
    url: str
    secret: str
    endpoint_id: str | None = None


@dataclass
class Delivery:
    """One attempt to deliver one event to one destination."""

    event_id: str
    event_type: str
    url: str
    endpoint_id: str | None
    attempt: int
    at: float
    status: int | None = None
    error: str | None = None
    stale_signature: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "event": self.event_id,
            "type": self.event_type,
            "url": self.url,
            "webhook_endpoint": self.endpoint_id,
            "attempt": self.attempt,
            "at": self.at,
            "status": self.status,
            "error": self.error,
            "stale_signature": self.stale_signature,
            "ok": self.status is not None and 200 <= self.status < 300,
        }


@dataclass
class WebhookSender:
    base_delay: float = 1.0
    max_attempts: int = 8
    timeout: float = 10.0
    per_destination: int = 8
    """At most this many requests in flight to one URL (Stripe throttles delivery too)."""
    deliveries: list[Delivery] = field(default_factory=list)
    _gates: dict[str, asyncio.Semaphore] = field(default_factory=dict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _client: httpx.AsyncClient | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    def _bind_to_running_loop(self) -> None:
        """The HTTP client and the gates belong to one event loop; an app reused on another
        loop (in-process tests) starts afresh there."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            self._client = None
            self._gates = {}

    def _http(self) -> httpx.AsyncClient:
        self._bind_to_running_loop()
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(timeout=self.timeout)
        return self._client

    def schedule(
        self,
        event: dict[str, Any],
        destinations: list[Destination],
        on_delivered: Callable[[], None] | None = None,
    ) -> None:
        """Start background delivery with retries; returns at once. `on_delivered` runs after
        each destination's first 2xx (the event's `pending_webhooks` goes down)."""
        payload = event_payload(event)
        for destination in destinations:
            task = asyncio.get_running_loop().create_task(
                self._deliver_with_retries(event, payload, destination, on_delivered)
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver_with_retries(
        self,
        event: dict[str, Any],
        payload: str,
        destination: Destination,
        on_delivered: Callable[[], None] | None,
    ) -> None:
        for attempt in range(1, self.max_attempts + 1):
            delivery = await self.attempt(event, payload, destination, attempt=attempt)
            if delivery.status is not None and 200 <= delivery.status < 300:
                if on_delivered is not None:
                    on_delivered()
                return
            if attempt < self.max_attempts:
                await asyncio.sleep(self.base_delay * 2 ** (attempt - 1))

    async def attempt(
        self,
        event: dict[str, Any],
        payload: str,
        destination: Destination,
        *,
        attempt: int,
        stale_signature: bool = False,
    ) -> Delivery:
        self._bind_to_running_loop()
        gate = self._gates.setdefault(destination.url, asyncio.Semaphore(self.per_destination))
        async with gate:
            delivery = Delivery(
                event_id=event["id"],
                event_type=event["type"],
                url=destination.url,
                endpoint_id=destination.endpoint_id,
                attempt=attempt,
                at=time.time(),
                stale_signature=stale_signature,
            )
            self.deliveries.append(delivery)
            if len(self.deliveries) > MAX_LOGGED_DELIVERIES:
                del self.deliveries[: len(self.deliveries) - MAX_LOGGED_DELIVERIES]
            timestamp = int(time.time()) - (STALE_SIGNATURE_AGE if stale_signature else 0)
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
                "Stripe-Signature": sign(payload, destination.secret, timestamp),
            }
            try:
                response = await self._http().post(
                    destination.url, content=payload, headers=headers
                )
                delivery.status = response.status_code
            except httpx.HTTPError as exc:
                delivery.error = f"{type(exc).__name__}: {exc}"
        return delivery

    async def deliver_now(
        self,
        event: dict[str, Any],
        destinations: list[Destination],
        *,
        times: int,
        stale_signature: bool,
        concurrent: bool,
    ) -> list[Delivery]:
        """Deliver extra copies now (test control): one attempt each, no retries."""
        payload = event_payload(event)
        jobs = [(destination, n) for n in range(1, times + 1) for destination in destinations]
        if concurrent:
            return list(
                await asyncio.gather(
                    *(
                        self.attempt(event, payload, d, attempt=n, stale_signature=stale_signature)
                        for d, n in jobs
                    )
                )
            )
        return [
            await self.attempt(event, payload, d, attempt=n, stale_signature=stale_signature)
            for d, n in jobs
        ]

    async def cancel_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.deliveries.clear()
        self._gates.clear()

    async def aclose(self) -> None:
        await self.cancel_all()
        if self._client is not None and self._loop is asyncio.get_running_loop():
            await self._client.aclose()
        self._client = None
