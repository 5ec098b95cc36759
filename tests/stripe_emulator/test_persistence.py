"""An emulator with a state file: what it answered is on disk, and comes back on restart."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from vitrina.stripe_emulator import Clock, create_emulator_app
from vitrina.stripe_emulator.persistence import dump, restore
from vitrina.stripe_emulator.state import EmulatorState
from vitrina.stripe_emulator.store import Collection
from vitrina.stripe_emulator.testing import DEFAULT_API_KEY, ThreadedServer
from vitrina.stripe_emulator.webhooks import WebhookSender

from .conftest import Receiver, wait_for

SECRET = "whsec_persistence_0123456789"


@contextmanager
def emulator(state_file: Path, **options: Any) -> Iterator[tuple[ThreadedServer, Any]]:
    """An emulator with its state in `state_file`, served until the block ends (a graceful
    stop: the lifespan's shutdown writes the state once more)."""
    server = ThreadedServer(None)
    app = create_emulator_app(public_url=server.base_url, state_file=state_file, **options)
    server.app = app
    server.start()
    try:
        yield server, app.state.emulator
    finally:
        server.stop()


def client(server: ThreadedServer) -> stripe.StripeClient:
    return stripe.StripeClient(
        DEFAULT_API_KEY, base_addresses={"api": server.base_url}, max_network_retries=0
    )


def test_what_was_answered_is_on_disk_and_comes_back(tmp_path: Path) -> None:
    state_file = tmp_path / "stripe.json"
    crashed = tmp_path / "as-left-by-kill-9.json"
    with emulator(state_file) as (server, _):
        sc = client(server)
        product = sc.v1.products.create(
            {"name": "Tea", "default_price_data": {"currency": "usd", "unit_amount": 700}}
        )
        coupon = sc.v1.coupons.create({"percent_off": 10, "duration": "once"})
        code = sc.v1.promotion_codes.create(
            {"promotion": {"type": "coupon", "coupon": coupon.id}, "code": "TEA10"}
        )
        endpoint = sc.v1.webhook_endpoints.create(
            {"url": "http://127.0.0.1:9/hook", "enabled_events": ["checkout.session.completed"]}
        )
        assert isinstance(product.default_price, str)
        session = sc.v1.checkout.sessions.create(
            {
                "mode": "payment",
                "success_url": "http://shop/ok?session_id={CHECKOUT_SESSION_ID}",
                "line_items": [{"price": product.default_price, "quantity": 2}],
                "discounts": [{"promotion_code": code.id}],
            }
        )
        assert session.url is not None
        paid = httpx.post(
            session.url, data={"email": "a@example.com", "card_number": "4242424242424242"}
        )
        assert paid.status_code == 303
        # What the disk holds the moment the answers are out: as a `kill -9` would leave it.
        shutil.copy(state_file, crashed)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], "temp files"

    with emulator(crashed) as (server, restarted):
        sc = client(server)
        assert sc.v1.products.retrieve(product.id).name == "Tea"
        assert sc.v1.prices.retrieve(product.default_price).unit_amount == 700
        assert sc.v1.promotion_codes.list({"code": "TEA10"}).data[0].id == code.id
        again = sc.v1.checkout.sessions.retrieve(session.id)
        assert (again.status, again.payment_status) == ("complete", "paid")
        assert again.amount_total == 1260
        assert isinstance(again.payment_intent, str)
        assert sc.v1.payment_intents.retrieve(again.payment_intent).status == "succeeded"
        items = sc.v1.checkout.sessions.line_items.list(session.id)
        assert [(i.quantity, i.amount_total) for i in items.data] == [(2, 1260)]
        assert restarted.state.webhook_secrets[endpoint.id] == endpoint.secret
        completed = sc.v1.events.list({"type": "checkout.session.completed"}).data
        assert [e.data.object["id"] for e in completed] == [session.id]
        newer = sc.v1.products.create({"name": "Coffee"})
        assert [p.id for p in sc.v1.products.list().data] == [newer.id, product.id]


def test_events_cut_short_by_a_restart_are_delivered_on_start(
    tmp_path: Path, receiver: Receiver
) -> None:
    receiver.clear()
    state_file = tmp_path / "stripe.json"
    nobody = "http://127.0.0.1:9/hook"  # nothing listens: the delivery stays pending
    with emulator(
        state_file, webhook_url=nobody, webhook_secret=SECRET, webhook_retry_base_delay=60
    ) as (server, _):
        created = client(server).v1.coupons.create({"percent_off": 5, "duration": "once"})
    event = json.loads(state_file.read_text())["collections"]["event"][-1]
    assert (event["type"], event["pending_webhooks"]) == ("coupon.created", 1)

    with emulator(state_file, webhook_url=receiver.url, webhook_secret=SECRET) as (_, restarted):
        wait_for(lambda: receiver.of_type("coupon.created"))
        delivery = receiver.of_type("coupon.created")[0]
        verified = stripe.Webhook.construct_event(
            delivery.body, delivery.headers["stripe-signature"], SECRET
        )
        assert (verified.id, verified.data.object["id"]) == (event["id"], created.id)
        wait_for(lambda: restarted.state.events.get(event["id"])["pending_webhooks"] == 0)


def test_an_unreadable_state_file_is_set_aside(tmp_path: Path) -> None:
    state_file = tmp_path / "stripe.json"
    state_file.write_text("{not json")
    with emulator(state_file) as (server, _):
        assert client(server).v1.products.list().data == []
    assert (tmp_path / "stripe.json.unreadable").read_text() == "{not json"
    assert json.loads(state_file.read_text())["collections"]["product"] == []


@dataclass
class GrownState(EmulatorState):
    """The state as another change might grow it: a new collection and a new dict field."""

    customers: Collection = field(default_factory=lambda: Collection("customer"))
    tax_notes: dict[str, Any] = field(default_factory=dict)

    def collections(self) -> list[Collection]:
        return [*super().collections(), self.customers]


def test_new_collections_and_dict_fields_are_kept_without_a_change() -> None:
    def grown() -> GrownState:
        return GrownState(public_url="http://e", clock=Clock(), sender=WebhookSender())

    before = grown()
    before.customers.add({"id": "cus_1", "object": "customer", "email": "a@example.com"})
    before.tax_notes["txr_1"] = {"percentage": 20}
    after = grown()
    restore(after, dump(before))
    assert after.customers.get("cus_1")["email"] == "a@example.com"
    assert after.tax_notes == {"txr_1": {"percentage": 20}}


@pytest.mark.parametrize("saved_format", [0, 2])
def test_a_state_of_another_format_is_not_half_read(saved_format: int) -> None:
    state = EmulatorState(public_url="http://e", clock=Clock(), sender=WebhookSender())
    with pytest.raises(ValueError, match="format"):
        restore(state, json.dumps({"format": saved_format, "collections": {}, "fields": {}}))
