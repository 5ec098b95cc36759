"""Everything the emulator remembers, and the per-request context handlers work with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vitrina.stripe_emulator.clock import Clock
from vitrina.stripe_emulator.faults import FaultSet
from vitrina.stripe_emulator.idempotency import IdempotencyStore
from vitrina.stripe_emulator.ids import new_id
from vitrina.stripe_emulator.store import Collection, StripeObject, snapshot
from vitrina.stripe_emulator.webhooks import Destination, WebhookSender

API_VERSION = "2026-10-28.endive"


@dataclass
class EmulatorState:
    public_url: str
    clock: Clock
    sender: WebhookSender
    webhook_url: str | None = None
    webhook_secret: str | None = None
    products: Collection = field(default_factory=lambda: Collection("product"))
    prices: Collection = field(default_factory=lambda: Collection("price"))
    coupons: Collection = field(default_factory=lambda: Collection("coupon"))
    promotion_codes: Collection = field(default_factory=lambda: Collection("promotion_code"))
    shipping_rates: Collection = field(default_factory=lambda: Collection("shipping_rate"))
    sessions: Collection = field(
        default_factory=lambda: Collection("checkout.session", param="session")
    )
    payment_intents: Collection = field(
        default_factory=lambda: Collection("payment_intent", param="intent")
    )
    charges: Collection = field(default_factory=lambda: Collection("charge", param="charge"))
    refunds: Collection = field(default_factory=lambda: Collection("refund", param="refund"))
    events: Collection = field(default_factory=lambda: Collection("event"))
    webhook_endpoints: Collection = field(
        default_factory=lambda: Collection("webhook_endpoint", param="webhook_endpoint")
    )
    customers: Collection = field(default_factory=lambda: Collection("customer"))
    payment_methods: Collection = field(
        default_factory=lambda: Collection("payment_method", param="payment_method")
    )
    line_items: dict[str, list[StripeObject]] = field(default_factory=dict)
    breakdowns: dict[str, StripeObject] = field(default_factory=dict)
    coupon_products: dict[str, list[str]] = field(default_factory=dict)
    intent_data: dict[str, dict[str, Any]] = field(default_factory=dict)
    webhook_secrets: dict[str, str] = field(default_factory=dict)
    pending_authentications: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Session id -> a card payment waiting on its 3-D Secure step (hosted page)."""
    deleted_customers: dict[str, int] = field(default_factory=dict)
    """Customer id -> when it was deleted: Stripe still answers a retrieve with a stub."""
    calls: list[dict[str, Any]] = field(default_factory=list)
    idempotency: IdempotencyStore = field(default_factory=IdempotencyStore)
    faults: FaultSet = field(default_factory=FaultSet)

    def collections(self) -> list[Collection]:
        return [
            self.products, self.prices, self.coupons, self.promotion_codes,
            self.shipping_rates, self.sessions, self.payment_intents, self.charges,
            self.refunds, self.events, self.webhook_endpoints, self.customers,
            self.payment_methods,
        ]  # fmt: skip

    def find_any(self, object_id: str) -> StripeObject | None:
        for collection in self.collections():
            found = collection.find(object_id)
            if found is not None:
                return found
        return None

    async def reset(self) -> None:
        await self.sender.cancel_all()
        for collection in self.collections():
            collection.clear()
        self.line_items.clear()
        self.breakdowns.clear()
        self.coupon_products.clear()
        self.intent_data.clear()
        self.webhook_secrets.clear()
        self.pending_authentications.clear()
        self.deleted_customers.clear()
        self.calls.clear()
        self.idempotency.clear()
        self.faults.clear()
        self.clock.reset()

    def destinations(self, event_type: str) -> list[Destination]:
        found: list[Destination] = []
        if self.webhook_url and self.webhook_secret:
            found.append(Destination(self.webhook_url, self.webhook_secret))
        for endpoint in self.webhook_endpoints:
            if endpoint["status"] != "enabled":
                continue
            wanted = endpoint["enabled_events"]
            if "*" in wanted or event_type in wanted:
                found.append(
                    Destination(
                        endpoint["url"], self.webhook_secrets[endpoint["id"]], endpoint["id"]
                    )
                )
        return found


@dataclass
class Ctx:
    """What a handler may touch: the state, the time, and who asked (for events' `request`)."""

    state: EmulatorState
    request_id: str | None = None
    idempotency_key: str | None = None

    @property
    def now(self) -> int:
        return self.state.clock.timestamp()

    def emit(
        self,
        event_type: str,
        obj: StripeObject,
        *,
        previous_attributes: dict[str, Any] | None = None,
    ) -> StripeObject:
        """Record an event with a snapshot of `obj` and deliver it in the background.

        `account` and `context` are left out: Stripe sends them only for Connect events."""
        destinations = self.state.destinations(event_type)
        data: dict[str, Any] = {"object": snapshot(obj)}
        if previous_attributes is not None:
            data["previous_attributes"] = previous_attributes
        event: StripeObject = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self.now,
            "data": data,
            "livemode": False,
            "pending_webhooks": len(destinations),
            "request": {"id": self.request_id, "idempotency_key": self.idempotency_key},
            "type": event_type,
        }
        self.state.events.add(event)
        if destinations:

            def delivered() -> None:
                event["pending_webhooks"] = max(0, event["pending_webhooks"] - 1)

            self.state.sender.schedule(snapshot(event), destinations, delivered)
        return event

    def emit_updated(self, event_type: str, before: StripeObject, after: StripeObject) -> None:
        """`*.updated` with `previous_attributes`: the old values of the top-level fields that
        changed."""
        changed = {k: before.get(k) for k in after if before.get(k) != after.get(k)}
        if changed:
            self.emit(event_type, after, previous_attributes=changed)
