"""Failed payments leave Stripe's trace: Stripe's decline test cards on the hosted page (plain
HTTP here; Chromium in test_hosted_page) and through the test control, 3-D Secure approved or
failed, and what the SDK (sync and async) and a webhook receiver see afterwards."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import httpx
import pytest
import stripe

from vitrina.stripe_emulator.testing import EmulatorServer

from .conftest import SDK, Receiver, make_price, session_params, wait_for

DECLINES = [
    ("4000 0000 0000 0002", "card_declined", "generic_decline", "Your card was declined."),
    (
        "4000 0000 0000 9995",
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    ("4000 0000 0000 0069", "expired_card", "expired_card", "Your card has expired."),
    (
        "4000 0000 0000 0127",
        "incorrect_cvc",
        "incorrect_cvc",
        "Your card's security code is incorrect.",
    ),
]


async def _pay_on_page(
    http: httpx.AsyncClient, session: stripe.checkout.Session, card: str
) -> httpx.Response:
    assert session.url is not None
    return await http.post(
        session.url,
        data={"email": "buyer@example.com", "card_number": card, "card_expiry": "04 / 31"},
    )


async def _open_session(
    sdk: SDK, emulator: EmulatorServer, amount: int, **extra: Any
) -> stripe.checkout.Session:
    price = make_price(emulator.client(), amount)
    session: stripe.checkout.Session = await sdk(
        sdk.client.v1.checkout.sessions.create, session_params(price.id, **extra)
    )
    return session


def _shown_error(page: httpx.Response) -> str:
    found = re.search(r'<p class="error" id="error" role="alert">(.*?)</p>', page.text)
    assert found is not None, "the page shows no error"
    return html.unescape(found.group(1))


def _event_objects(receiver: Receiver, event_type: str) -> list[dict[str, Any]]:
    return [json.loads(r.body)["data"]["object"] for r in receiver.of_type(event_type)]


@pytest.mark.parametrize(("card", "code", "decline_code", "message"), DECLINES)
async def test_decline_leaves_a_failed_charge_and_events(
    sdk: SDK,
    emulator: EmulatorServer,
    receiver: Receiver,
    ahttp: httpx.AsyncClient,
    card: str,
    code: str,
    decline_code: str,
    message: str,
) -> None:
    sessions = sdk.client.v1.checkout.sessions
    session = await _open_session(sdk, emulator, 1800, metadata={"basket": "9"})
    page = await _pay_on_page(ahttp, session, card)
    assert page.status_code == 402
    assert _shown_error(page) == message
    still = await sdk(sessions.retrieve, session.id, {"expand": ["payment_intent.latest_charge"]})
    assert (still.status, still.payment_status) == ("open", "unpaid")
    intent = still.payment_intent
    assert isinstance(intent, stripe.PaymentIntent)
    assert intent.status == "requires_payment_method"
    error = intent.last_payment_error
    assert error is not None
    assert (error.type, error.code, error.decline_code, error.message) == (
        "card_error",
        code,
        decline_code,
        message,
    )
    charge = intent.latest_charge
    assert isinstance(charge, stripe.Charge)
    assert (charge.status, charge.paid, charge.failure_code, charge.failure_message) == (
        "failed",
        False,
        code,
        message,
    )
    assert error.charge == charge.id
    assert charge.outcome is not None and charge.outcome.reason == decline_code
    assert charge.outcome.type == "issuer_declined"
    card_details = charge.payment_method_details and charge.payment_method_details.card
    assert card_details is not None
    assert (card_details.last4, card_details.exp_month, card_details.exp_year) == (
        card[-4:],
        4,
        2031,
    )
    method = await sdk(sdk.client.v1.payment_methods.retrieve, str(charge.payment_method))
    assert method.card is not None and method.card.last4 == card[-4:]
    wait_for(lambda: receiver.of_type("payment_intent.payment_failed"))
    wait_for(lambda: receiver.of_type("charge.failed"))
    failed_intent = _event_objects(receiver, "payment_intent.payment_failed")[0]
    assert failed_intent["last_payment_error"]["decline_code"] == decline_code
    assert _event_objects(receiver, "charge.failed")[0]["id"] == charge.id
    assert not receiver.of_type("checkout.session.completed")


async def test_pay_after_a_decline_reuses_the_intent(
    sdk: SDK, emulator: EmulatorServer, ahttp: httpx.AsyncClient
) -> None:
    sessions = sdk.client.v1.checkout.sessions
    session = await _open_session(sdk, emulator, 1800)
    assert (await _pay_on_page(ahttp, session, "4000000000009995")).status_code == 402
    first = (await sdk(sessions.retrieve, session.id)).payment_intent
    paid = await _pay_on_page(ahttp, session, "4242 4242 4242 4242")
    assert paid.status_code == 303
    assert paid.headers["location"].endswith(f"session_id={session.id}")
    done = await sdk(sessions.retrieve, session.id, {"expand": ["payment_intent"]})
    assert (done.status, done.payment_status) == ("complete", "paid")
    intent = done.payment_intent
    assert isinstance(intent, stripe.PaymentIntent)
    assert (intent.id, intent.status, intent.last_payment_error) == (first, "succeeded", None)
    charges = await sdk(sdk.client.v1.charges.list, {"payment_intent": intent.id})
    assert [c.status for c in charges.data] == ["succeeded", "failed"]
    assert intent.latest_charge == charges.data[0].id


async def test_three_d_secure_approved_on_the_page(
    sdk: SDK, emulator: EmulatorServer, receiver: Receiver, ahttp: httpx.AsyncClient
) -> None:
    sessions = sdk.client.v1.checkout.sessions
    session = await _open_session(sdk, emulator, 2400)
    challenge = await _pay_on_page(ahttp, session, "4000 0027 6000 3184")
    assert challenge.status_code == 200 and 'id="authenticate"' in challenge.text
    waiting = await sdk(sessions.retrieve, session.id, {"expand": ["payment_intent"]})
    assert waiting.status == "open"
    intent = waiting.payment_intent
    assert isinstance(intent, stripe.PaymentIntent) and intent.status == "requires_action"
    assert intent.next_action is not None and intent.next_action.type == "redirect_to_url"
    assert session.url is not None
    assert (await ahttp.get(f"{session.url}/authenticate")).status_code == 200
    approved = await ahttp.post(f"{session.url}/authenticate", data={"result": "complete"})
    assert approved.status_code == 303
    done = await sdk(sessions.retrieve, session.id, {"expand": ["payment_intent.latest_charge"]})
    assert (done.status, done.payment_status) == ("complete", "paid")
    assert isinstance(done.payment_intent, stripe.PaymentIntent)
    charge = done.payment_intent.latest_charge
    assert isinstance(charge, stripe.Charge)
    card = charge.payment_method_details and charge.payment_method_details.card
    assert card is not None and card.three_d_secure is not None
    assert card.three_d_secure.result == "authenticated"
    wait_for(lambda: receiver.of_type("checkout.session.completed"))
    assert receiver.of_type("payment_intent.requires_action")


async def test_three_d_secure_failed_on_the_page(
    sdk: SDK, emulator: EmulatorServer, receiver: Receiver, ahttp: httpx.AsyncClient
) -> None:
    sessions = sdk.client.v1.checkout.sessions
    session = await _open_session(sdk, emulator, 2400)
    await _pay_on_page(ahttp, session, "4000002760003184")
    assert session.url is not None
    failed = await ahttp.post(f"{session.url}/authenticate", data={"result": "fail"})
    assert failed.status_code == 402
    assert _shown_error(failed).startswith("We are unable to authenticate your payment method.")
    after = await sdk(sessions.retrieve, session.id, {"expand": ["payment_intent"]})
    assert after.status == "open"
    intent = after.payment_intent
    assert isinstance(intent, stripe.PaymentIntent)
    assert intent.status == "requires_payment_method" and intent.latest_charge is None
    assert intent.last_payment_error is not None
    assert intent.last_payment_error.code == "payment_intent_authentication_failure"
    assert (await ahttp.get(f"{session.url}/authenticate")).status_code == 303, "nothing is pending"
    wait_for(lambda: receiver.of_type("payment_intent.payment_failed"))
    assert not receiver.of_type("charge.failed"), "no charge: the bank never saw the payment"


async def test_declines_through_the_control(
    sdk: SDK, emulator: EmulatorServer, ahttp: httpx.AsyncClient
) -> None:
    session = await _open_session(sdk, emulator, 1000)
    url = f"/_emulator/checkout/sessions/{session.id}/complete"
    generic = await ahttp.post(url, json={"outcome": "declined"})
    assert generic.status_code == 402
    assert generic.json()["error"]["decline_code"] == "generic_decline"
    funds = await ahttp.post(url, json={"outcome": "declined", "card": "4000000000009995"})
    assert funds.json()["error"]["decline_code"] == "insufficient_funds"
    pays = await ahttp.post(url, json={"outcome": "declined", "card": "4242424242424242"})
    assert pays.status_code == 400, "a card that pays cannot be declined"
    secure = await ahttp.post(url, json={"outcome": "declined", "card": "4000002760003184"})
    assert secure.json()["error"]["code"] == "payment_intent_authentication_failure"
    charges = await sdk(sdk.client.v1.charges.list, {"limit": 10})
    assert [c.outcome.reason for c in charges.data if c.outcome] == [
        "insufficient_funds",
        "generic_decline",
    ]
    paid = await ahttp.post(url, json={"outcome": "paid", "card": "4000002760003184"})
    assert paid.status_code == 200 and paid.json()["payment_status"] == "paid"


async def test_invalid_number_leaves_no_trace(
    sc: stripe.StripeClient, ahttp: httpx.AsyncClient
) -> None:
    session = sc.v1.checkout.sessions.create(session_params(make_price(sc).id))
    page = await _pay_on_page(ahttp, session, "1234 5678 9012 3456")
    assert page.status_code == 402 and _shown_error(page) == "Your card number is invalid."
    assert sc.v1.checkout.sessions.retrieve(session.id).payment_intent is None
    assert sc.v1.payment_intents.list().data == []
