"""Completing sessions (paid, delayed, declined, free), payment intents, charges, refunds."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe

from vitrina.stripe_emulator.testing import EmulatorServer

from .conftest import make_price, session_params


def _complete(emulator: EmulatorServer, session_id: str, **body: Any) -> httpx.Response:
    with httpx.Client(base_url=emulator.base_url) as http:
        return http.post(f"/_emulator/checkout/sessions/{session_id}/complete", json=body)


def test_paid_session_creates_intent_and_charge(
    sc: stripe.StripeClient, emulator: EmulatorServer
) -> None:
    price = make_price(sc, 1200)
    coupon = sc.v1.coupons.create({"percent_off": 50})
    session = sc.v1.checkout.sessions.create(
        session_params(price.id, discounts=[{"coupon": coupon.id}], customer_email="a@b.co")
    )
    assert _complete(emulator, session.id, outcome="paid").status_code == 200
    done = sc.v1.checkout.sessions.retrieve(
        session.id, {"expand": ["payment_intent.latest_charge"]}
    )
    assert (done.status, done.payment_status, done.url) == ("complete", "paid", None)
    intent = done.payment_intent
    assert isinstance(intent, stripe.PaymentIntent)
    assert (intent.status, intent.amount, intent.amount_received) == ("succeeded", 600, 600)
    charge = intent.latest_charge
    assert isinstance(charge, stripe.Charge)
    assert (charge.paid, charge.status, charge.amount, charge.payment_intent) == (
        True,
        "succeeded",
        600,
        intent.id,
    )
    assert done.customer_details is not None and done.customer_details.email == "a@b.co"
    assert sc.v1.coupons.retrieve(coupon.id).times_redeemed == 1
    assert sc.v1.payment_intents.retrieve(intent.id).latest_charge == charge.id
    assert [c.id for c in sc.v1.charges.list({"payment_intent": intent.id}).data] == [charge.id]


def test_completing_twice_is_refused(sc: stripe.StripeClient, emulator: EmulatorServer) -> None:
    price = make_price(sc)
    session = sc.v1.checkout.sessions.create(session_params(price.id))
    _complete(emulator, session.id, outcome="paid")
    again = _complete(emulator, session.id, outcome="paid")
    assert again.status_code == 400
    assert again.json()["error"]["type"] == "invalid_request_error"


def test_delayed_payment_then_success_or_failure(
    sc: stripe.StripeClient, emulator: EmulatorServer
) -> None:
    price = make_price(sc, 900)
    good = sc.v1.checkout.sessions.create(session_params(price.id))
    _complete(emulator, good.id, outcome="unpaid")
    pending = sc.v1.checkout.sessions.retrieve(good.id)
    assert (pending.status, pending.payment_status) == ("complete", "unpaid")
    _complete(emulator, good.id, outcome="async_succeeded")
    assert sc.v1.checkout.sessions.retrieve(good.id).payment_status == "paid"
    bad = sc.v1.checkout.sessions.create(session_params(price.id))
    _complete(emulator, bad.id, outcome="async_failed")
    failed = sc.v1.checkout.sessions.retrieve(bad.id, {"expand": ["payment_intent"]})
    assert (failed.status, failed.payment_status) == ("complete", "unpaid")
    assert isinstance(failed.payment_intent, stripe.PaymentIntent)
    assert failed.payment_intent.status == "requires_payment_method"
    types = [e.type for e in sc.v1.events.list({"type": "checkout.session.*"}).data]
    assert types == [
        "checkout.session.async_payment_failed",
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.completed",
    ]


def test_declined_keeps_the_session_open(sc: stripe.StripeClient, emulator: EmulatorServer) -> None:
    price = make_price(sc)
    session = sc.v1.checkout.sessions.create(session_params(price.id))
    answer = _complete(emulator, session.id, outcome="declined")
    assert answer.status_code == 402
    assert answer.json()["error"]["message"] == "Your card was declined."
    assert answer.json()["error"]["code"] == "card_declined"
    assert sc.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_free_session_needs_no_payment(sc: stripe.StripeClient, emulator: EmulatorServer) -> None:
    price = make_price(sc, 0)
    session = sc.v1.checkout.sessions.create(session_params(price.id))
    assert session.payment_status == "no_payment_required"
    _complete(emulator, session.id, outcome="paid")
    done = sc.v1.checkout.sessions.retrieve(session.id)
    assert (done.status, done.payment_status, done.payment_intent) == (
        "complete",
        "no_payment_required",
        None,
    )


def test_shipping_details_are_collected(sc: stripe.StripeClient, emulator: EmulatorServer) -> None:
    price = make_price(sc)
    session = sc.v1.checkout.sessions.create(
        session_params(price.id, shipping_address_collection={"allowed_countries": ["DE"]})
    )
    wrong = _complete(emulator, session.id, shipping={"name": "A", "line1": "x", "country": "US"})
    assert wrong.status_code == 400
    shipping = {
        "name": "Anna",
        "line1": "Hauptstr. 1",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DE",
    }
    assert _complete(emulator, session.id, outcome="paid", shipping=shipping).status_code == 200
    done = sc.v1.checkout.sessions.retrieve(session.id)
    assert done.collected_information is not None
    details = done.collected_information.shipping_details
    assert details is not None
    assert (details.name, details.address.city, details.address.country) == (
        "Anna",
        "Berlin",
        "DE",
    )


def _paid_intent(sc: stripe.StripeClient, emulator: EmulatorServer, amount: int) -> str:
    price = make_price(sc, amount)
    session = sc.v1.checkout.sessions.create(session_params(price.id))
    _complete(emulator, session.id, outcome="paid")
    return str(sc.v1.checkout.sessions.retrieve(session.id).payment_intent)


def test_partial_then_full_refund_and_over_refund(
    sc: stripe.StripeClient, emulator: EmulatorServer
) -> None:
    intent_id = _paid_intent(sc, emulator, 1000)
    partial = sc.v1.refunds.create({"payment_intent": intent_id, "amount": 300})
    assert (partial.amount, partial.status, partial.payment_intent) == (300, "succeeded", intent_id)
    charge = sc.v1.charges.retrieve(str(partial.charge))
    assert (charge.amount_refunded, charge.refunded) == (300, False)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.refunds.create({"charge": charge.id, "amount": 701})
    assert raised.value.param == "amount"
    rest = sc.v1.refunds.create({"charge": charge.id})
    assert rest.amount == 700
    charge = sc.v1.charges.retrieve(charge.id)
    assert (charge.amount_refunded, charge.refunded) == (1000, True)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.refunds.create({"charge": charge.id})
    assert raised.value.code == "charge_already_refunded"
    assert [r.id for r in sc.v1.refunds.list({"payment_intent": intent_id}).data] == [
        rest.id,
        partial.id,
    ]
    refunded = sc.v1.events.list({"type": "charge.refunded"}).data
    assert [e.data.object["amount_refunded"] for e in refunded] == [1000, 300]
    assert len(sc.v1.events.list({"type": "refund.created"}).data) == 2


def test_refund_needs_a_payment(sc: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.refunds.create({})
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.refunds.create({"payment_intent": "pi_missing"})
    assert raised.value.code == "resource_missing"


def test_controls_accept_form_bodies(sc: stripe.StripeClient, emulator: EmulatorServer) -> None:
    price = make_price(sc)
    session = sc.v1.checkout.sessions.create(session_params(price.id))
    with httpx.Client(base_url=emulator.base_url) as http:
        answer = http.post(
            f"/_emulator/checkout/sessions/{session.id}/complete", data={"outcome": "paid"}
        )
        assert answer.json()["payment_status"] == "paid"
        assert http.post("/_emulator/clock/advance", data={"seconds": "-1"}).status_code == 400
        assert http.get("/_emulator/clock").json()["now"] > 0


def test_payment_intent_data_reaches_intent_and_charge(
    sc: stripe.StripeClient, emulator: EmulatorServer
) -> None:
    price = make_price(sc)
    session = sc.v1.checkout.sessions.create(
        session_params(
            price.id,
            payment_intent_data={"metadata": {"order": "42"}, "description": "Order 42"},
        )
    )
    _complete(emulator, session.id, outcome="paid")
    intent = sc.v1.payment_intents.retrieve(
        str(sc.v1.checkout.sessions.retrieve(session.id).payment_intent)
    )
    assert (intent.metadata.to_dict(), intent.description) == ({"order": "42"}, "Order 42")
    charge = sc.v1.charges.retrieve(str(intent.latest_charge))
    assert charge.metadata.to_dict() == {"order": "42"}
