"""Webhook events: signed like Stripe, delivered in the background, retried, controllable."""

from __future__ import annotations

import json
import time

import httpx
import pytest
import stripe
from starlette.applications import Starlette

from vitrina.stripe_emulator.testing import EmulatorServer, ThreadedServer

from .conftest import WEBHOOK_SECRET, Receiver, make_price, session_params, wait_for


def _complete(emulator: EmulatorServer, session_id: str, outcome: str = "paid") -> dict:
    return emulator.control(
        "POST", f"checkout/sessions/{session_id}/complete", {"outcome": outcome}
    )


def test_completed_event_verifies_with_the_secret_only(
    sc: stripe.StripeClient, emulator: EmulatorServer, receiver: Receiver
) -> None:
    price = make_price(sc)
    session = sc.v1.checkout.sessions.create(session_params(price.id))
    _complete(emulator, session.id)
    wait_for(lambda: receiver.of_type("checkout.session.completed"))
    delivery = receiver.of_type("checkout.session.completed")[0]
    signature = delivery.headers["stripe-signature"]
    event = stripe.Webhook.construct_event(delivery.body, signature, WEBHOOK_SECRET)
    assert event.id.startswith("evt_")
    assert event.type == "checkout.session.completed"
    assert event.api_version == "2026-10-28.endive"
    assert event.livemode is False
    assert event.data.object["id"] == session.id
    assert event.data.object["payment_status"] == "paid"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(delivery.body, signature, "whsec_other")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(delivery.body + " ", signature, WEBHOOK_SECRET)
    assert sc.v1.events.retrieve(event.id).type == "checkout.session.completed"


def test_api_caused_events_carry_the_request(
    sc: stripe.StripeClient, emulator: EmulatorServer
) -> None:
    product = sc.v1.products.create({"name": "Tea"}, {"idempotency_key": "evt-req"})
    updated = sc.v1.products.update(product.id, {"name": "Green tea"})
    created_event, updated_event = (
        sc.v1.events.list({"type": "product.created"}).data[0],
        sc.v1.events.list({"type": "product.updated"}).data[0],
    )
    assert created_event.request is not None
    assert created_event.request.idempotency_key == "evt-req"
    assert str(created_event.request.id).startswith("req_")
    assert updated_event.data.object["name"] == updated.name
    assert updated_event.data.previous_attributes["name"] == "Tea"


def test_event_list_filters(sc: stripe.StripeClient) -> None:
    sc.v1.products.create({"name": "Tea"})
    sc.v1.coupons.create({"percent_off": 5})
    assert [e.type for e in sc.v1.events.list({"type": "coupon.*"}).data] == ["coupon.created"]
    assert [e.type for e in sc.v1.events.list().data] == ["coupon.created", "product.created"]
    both = sc.v1.events.list({"types": ["coupon.created", "product.created"]}).data
    assert len(both) == 2


def test_retries_non_2xx_with_backoff(
    sc: stripe.StripeClient, emulator: EmulatorServer, receiver: Receiver
) -> None:
    receiver.fail_next = 2
    sc.v1.coupons.create({"percent_off": 5})
    wait_for(lambda: len(receiver.of_type("coupon.created")) == 3)
    deliveries = emulator.control("GET", "deliveries")["data"]
    attempts = [d for d in deliveries if d["type"] == "coupon.created"]
    assert [(d["attempt"], d["status"]) for d in attempts] == [(1, 500), (2, 500), (3, 200)]
    assert attempts[1]["at"] - attempts[0]["at"] >= 0.05
    assert attempts[2]["at"] - attempts[1]["at"] >= 0.1
    signatures = [r.headers["stripe-signature"] for r in receiver.of_type("coupon.created")]
    for received in receiver.of_type("coupon.created"):
        stripe.Webhook.construct_event(
            received.body, received.headers["stripe-signature"], WEBHOOK_SECRET
        )
    assert len(signatures) == 3


def test_gives_up_after_max_attempts(
    sc: stripe.StripeClient, emulator: EmulatorServer, receiver: Receiver
) -> None:
    receiver.fail_next = 100
    sc.v1.coupons.create({"percent_off": 5})
    wait_for(lambda: len(receiver.of_type("coupon.created")) == 4)
    time.sleep(0.9)
    assert len(receiver.of_type("coupon.created")) == 4


def test_delivery_does_not_block_the_api_call(receiver: Receiver) -> None:
    import asyncio

    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def slow(request: Request) -> PlainTextResponse:
        await asyncio.sleep(2)
        return PlainTextResponse("late")

    slow_server = ThreadedServer(Starlette(routes=[Route("/", slow, methods=["POST"])]))
    slow_server.start()
    try:
        with EmulatorServer(
            webhook_url=slow_server.base_url + "/", webhook_secret=WEBHOOK_SECRET
        ) as emulator:
            started = time.monotonic()
            emulator.client().v1.coupons.create({"percent_off": 5})
            assert time.monotonic() - started < 1.0
    finally:
        slow_server.stop()


def test_duplicate_concurrent_and_stale_deliveries(
    sc: stripe.StripeClient, emulator: EmulatorServer, receiver: Receiver
) -> None:
    coupon = sc.v1.coupons.create({"percent_off": 5})
    wait_for(lambda: receiver.of_type("coupon.created"))
    event = sc.v1.events.list({"type": "coupon.created"}).data[0]
    answer = emulator.control(
        "POST", f"events/{event.id}/deliver", {"times": 3, "concurrent": True}
    )
    assert [d["status"] for d in answer["deliveries"]] == [200, 200, 200]
    copies = receiver.of_type("coupon.created")
    assert len(copies) == 4
    assert {json.loads(c.body)["id"] for c in copies} == {event.id}
    assert json.loads(copies[-1].body)["data"]["object"]["id"] == coupon.id
    emulator.control("POST", f"events/{event.id}/deliver", {"stale_signature": True})
    stale = receiver.of_type("coupon.created")[-1]
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(
            stale.body, stale.headers["stripe-signature"], WEBHOOK_SECRET
        )
    fresh_enough = stripe.WebhookSignature.verify_header(
        stale.body, stale.headers["stripe-signature"], WEBHOOK_SECRET, tolerance=None
    )
    assert fresh_enough is True


def test_out_of_order_delivery(
    sc: stripe.StripeClient, emulator: EmulatorServer, receiver: Receiver
) -> None:
    price = make_price(sc)
    session = sc.v1.checkout.sessions.create(session_params(price.id))
    _complete(emulator, session.id, "unpaid")
    _complete(emulator, session.id, "async_succeeded")
    wait_for(lambda: receiver.of_type("checkout.session.async_payment_succeeded"))
    succeeded = sc.v1.events.list({"type": "checkout.session.async_payment_succeeded"}).data[0]
    completed = sc.v1.events.list({"type": "checkout.session.completed"}).data[0]
    receiver.clear()
    emulator.control("POST", f"events/{succeeded.id}/deliver", {})
    emulator.control("POST", f"events/{completed.id}/deliver", {})
    assert [json.loads(r.body)["type"] for r in receiver.requests] == [
        "checkout.session.async_payment_succeeded",
        "checkout.session.completed",
    ]


def test_registered_endpoints_get_their_own_secret_and_events(
    sc: stripe.StripeClient, emulator: EmulatorServer, receiver: Receiver
) -> None:
    second: list[tuple[str, str]] = []
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def hook(request: Request) -> PlainTextResponse:
        second.append(((await request.body()).decode(), request.headers["stripe-signature"]))
        return PlainTextResponse("ok")

    other = ThreadedServer(Starlette(routes=[Route("/", hook, methods=["POST"])]))
    other.start()
    try:
        endpoint = sc.v1.webhook_endpoints.create(
            {"url": other.base_url + "/", "enabled_events": ["coupon.created"]}
        )
        assert endpoint.secret is not None
        assert not hasattr(sc.v1.webhook_endpoints.retrieve(endpoint.id), "secret")
        sc.v1.products.create({"name": "Not for the endpoint"})
        sc.v1.coupons.create({"percent_off": 5})
        wait_for(lambda: len(second) == 1)
        body, signature = second[0]
        event = stripe.Webhook.construct_event(body, signature, endpoint.secret)
        assert event.type == "coupon.created"
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(body, signature, WEBHOOK_SECRET)
        sc.v1.webhook_endpoints.update(endpoint.id, {"disabled": True})
        sc.v1.coupons.create({"percent_off": 6})
        wait_for(lambda: len(receiver.of_type("coupon.created")) == 2)
        time.sleep(0.2)
        assert len(second) == 1
        listed = sc.v1.webhook_endpoints.list().data
        assert [e.id for e in listed] == [endpoint.id]
        assert sc.v1.webhook_endpoints.delete(endpoint.id).deleted is True
        assert sc.v1.webhook_endpoints.list().data == []
    finally:
        other.stop()


def test_deliveries_control_lists_attempts(
    sc: stripe.StripeClient, emulator: EmulatorServer, http: httpx.Client
) -> None:
    sc.v1.coupons.create({"percent_off": 5})
    wait_for(lambda: emulator.control("GET", "deliveries")["data"])
    delivery = emulator.control("GET", "deliveries")["data"][0]
    assert delivery["ok"] is True and delivery["type"] == "coupon.created"


def test_pending_webhooks_goes_down_after_delivery(
    sc: stripe.StripeClient, emulator: EmulatorServer, receiver: Receiver
) -> None:
    sc.v1.coupons.create({"percent_off": 5})
    event = sc.v1.events.list({"type": "coupon.created"}).data[0]
    wait_for(lambda: sc.v1.events.retrieve(event.id).pending_webhooks == 0)
    delivered = json.loads(receiver.of_type("coupon.created")[0].body)
    assert delivered["pending_webhooks"] == 1


def test_signature_is_stripes_scheme(
    sc: stripe.StripeClient, emulator: EmulatorServer, receiver: Receiver
) -> None:
    import hashlib
    import hmac

    sc.v1.coupons.create({"percent_off": 5})
    wait_for(lambda: receiver.of_type("coupon.created"))
    received = receiver.of_type("coupon.created")[0]
    parts = dict(item.split("=", 1) for item in received.headers["stripe-signature"].split(","))
    assert set(parts) == {"t", "v1"}
    assert abs(int(parts["t"]) - time.time()) < 60
    expected = hmac.new(
        WEBHOOK_SECRET.encode(), f"{parts['t']}.{received.body}".encode(), hashlib.sha256
    ).hexdigest()
    assert parts["v1"] == expected
    assert received.headers["content-type"].startswith("application/json")


def test_signed_event_for_in_process_delivery(
    sc: stripe.StripeClient, emulator: EmulatorServer
) -> None:
    price = make_price(sc)
    session = sc.v1.checkout.sessions.create(session_params(price.id))
    assert emulator.complete_session(session.id)["payment_status"] == "paid"
    event_id = sc.v1.events.list({"type": "checkout.session.completed"}).data[0].id
    body, header = emulator.signed_event(event_id)
    assert stripe.Webhook.construct_event(body, header, WEBHOOK_SECRET).id == event_id
    body, header = emulator.signed_event(event_id, "whsec_mine")
    assert stripe.Webhook.construct_event(body, header, "whsec_mine").id == event_id
    body, header = emulator.signed_event(event_id, stale=True)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, header, WEBHOOK_SECRET)


def test_helper_methods(sc: stripe.StripeClient, emulator: EmulatorServer) -> None:
    emulator.add_fault("500", count=1, path_prefix="/v1/coupons")
    with pytest.raises(stripe.APIError):
        sc.v1.coupons.list()
    assert [c["status"] for c in emulator.calls(path="/v1/coupons", method="GET")] == [500]
    assert emulator.advance_clock(60)["now"] >= int(time.time()) + 59


def test_timeouts_are_retried() -> None:
    import asyncio

    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    calls: list[float] = []

    async def sleepy_once(request: Request) -> PlainTextResponse:
        calls.append(time.monotonic())
        if len(calls) == 1:
            await asyncio.sleep(1.0)
        return PlainTextResponse("ok")

    slow_server = ThreadedServer(Starlette(routes=[Route("/", sleepy_once, methods=["POST"])]))
    slow_server.start()
    try:
        with EmulatorServer(
            webhook_url=slow_server.base_url + "/", webhook_secret=WEBHOOK_SECRET
        ) as emulator:
            emulator.emulator.sender.timeout = 0.2
            emulator.client().v1.coupons.create({"percent_off": 5})
            wait_for(lambda: len(calls) == 2)
            wait_for(lambda: len(emulator.control("GET", "deliveries")["data"]) == 2)
            attempts = emulator.control("GET", "deliveries")["data"]
            assert attempts[0]["status"] is None and "Timeout" in attempts[0]["error"]
            wait_for(lambda: emulator.control("GET", "deliveries")["data"][1]["status"] == 200)
    finally:
        slow_server.stop()
