"""Shipping options through the SDK (sync and async) and on the hosted page (plain HTML form,
no JavaScript): up to 5 options, the first preselected, the shopper's choice sets
`shipping_cost`, and the allowed countries are enforced."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
import stripe

from vitrina.stripe_emulator.testing import EmulatorServer

from .conftest import SDK, make_price, new_price, session_params

TOMORROW_OR_NEXT = {
    "minimum": {"unit": "business_day", "value": 1},
    "maximum": {"unit": "business_day", "value": 2},
}


def _option(name: str, amount: int, **extra: Any) -> dict[str, Any]:
    data = {"display_name": name, "fixed_amount": {"amount": amount, "currency": "usd"}, **extra}
    return {"shipping_rate_data": data}


async def test_choice_of_options_sets_shipping_cost(sdk: SDK, emulator: EmulatorServer) -> None:
    price = await new_price(sdk, 2000)
    express = await sdk(
        sdk.client.v1.shipping_rates.create,
        {
            "display_name": "Express",
            "fixed_amount": {"amount": 1500, "currency": "usd"},
            "delivery_estimate": TOMORROW_OR_NEXT,
            "tax_behavior": "exclusive",
        },
    )
    session = await sdk(
        sdk.client.v1.checkout.sessions.create,
        session_params(
            price.id,
            shipping_address_collection={"allowed_countries": ["US"]},
            shipping_options=[_option("Post", 500), {"shipping_rate": express.id}],
        ),
    )
    assert [o.shipping_amount for o in session.shipping_options] == [500, 1500]
    first = session.shipping_options[0].shipping_rate
    assert session.shipping_cost is not None and session.shipping_cost.shipping_rate == first
    assert (session.amount_total, session.total_details.amount_shipping) == (2500, 500)
    rate = await sdk(sdk.client.v1.shipping_rates.retrieve, str(first))
    assert (rate.display_name, rate.fixed_amount.amount, rate.delivery_estimate) == (
        "Post",
        500,
        None,
    )
    assert express.delivery_estimate.minimum.unit == "business_day"
    emulator.complete_session(session.id, "paid", shipping_rate=express.id)
    done = await sdk(sdk.client.v1.checkout.sessions.retrieve, session.id)
    cost = done.shipping_cost
    assert (cost.shipping_rate, cost.amount_subtotal, cost.amount_tax, cost.amount_total) == (
        express.id,
        1500,
        0,
        1500,
    )
    assert (done.amount_total, done.total_details.amount_shipping) == (3500, 1500)
    intent = await sdk(sdk.client.v1.payment_intents.retrieve, str(done.payment_intent))
    assert intent.amount == 3500


async def test_shipping_option_rules(sdk: SDK, ahttp: httpx.AsyncClient) -> None:
    price = await new_price(sdk, 2000)
    sessions = sdk.client.v1.checkout.sessions
    six = session_params(price.id, shipping_options=[_option(f"O{i}", 100) for i in range(6)])
    with pytest.raises(stripe.InvalidRequestError) as too_many:
        await sdk(sessions.create, six)
    assert too_many.value.param == "shipping_options"
    options = session_params(price.id, shipping_options=[_option("Post", 500)])
    options["shipping_options"][0]["shipping_rate_data"]["fixed_amount"]["currency_options"] = {
        "usd": {"amount": 400}
    }
    with pytest.raises(stripe.InvalidRequestError) as own_currency:
        await sdk(sessions.create, options)
    assert own_currency.value.param == (
        "shipping_options[0][shipping_rate_data][fixed_amount][currency_options][usd]"
    )
    session = await sdk(
        sessions.create, session_params(price.id, shipping_options=[_option("A", 1)])
    )
    other = await ahttp.post(
        f"/_emulator/checkout/sessions/{session.id}/complete", json={"shipping_rate": "shr_nope"}
    )
    assert (other.status_code, other.json()["error"]["param"]) == (400, "shipping_rate")


def test_page_offers_the_options_as_radio_buttons(
    sc: stripe.StripeClient, http: httpx.Client
) -> None:
    price = make_price(sc, 2000)
    session = sc.v1.checkout.sessions.create(
        session_params(
            price.id,
            shipping_address_collection={"allowed_countries": ["US", "CA"]},
            shipping_options=[
                _option("Post", 500),
                _option(
                    "Courier",
                    1500,
                    delivery_estimate=TOMORROW_OR_NEXT,
                ),
            ],
        )
    )
    path = f"/c/pay/{session.id}"
    html = http.get(path).text
    radios = re.findall(
        r'<input type="radio"\s+id="(shippingOption\d)" name="shipping_rate"'
        r' value="(shr_\w+)"\s*(checked)?',
        html,
    )
    assert [(r[0], r[2]) for r in radios] == [
        ("shippingOption0", "checked"),
        ("shippingOption1", ""),
    ]
    assert "1–2 business days" in html
    assert '<option value="CA"' in html and "Canada" in html
    courier = radios[1][1]
    form = {
        "email": "ann@example.com",
        "shipping_name": "Ann",
        "shipping_line1": "1 Main St",
        "shipping_city": "Austin",
        "shipping_postal_code": "73301",
        "shipping_country": "US",
        "shipping_rate": courier,
        "card_number": "4242424242424242",
    }
    updated = http.post(path, data={**form, "update": "1", "expected_total": "2500"})
    assert updated.status_code == 200
    assert re.search(r'id="total">35\.00 USD<', updated.text)
    assert re.search(rf'value="{courier}"\s*checked', updated.text)
    assert sc.v1.checkout.sessions.retrieve(session.id).status == "open"
    refused = http.post(path, data={**form, "shipping_country": "DE", "expected_total": "3500"})
    assert refused.status_code == 400 and "Shipping to DE is not allowed" in refused.text
    paid = http.post(path, data={**form, "expected_total": "3500"}, follow_redirects=False)
    assert paid.status_code == 303
    done = sc.v1.checkout.sessions.retrieve(session.id)
    assert done.shipping_cost is not None
    assert (done.shipping_cost.shipping_rate, done.amount_total) == (courier, 3500)


def test_page_shows_a_changed_total_before_charging(
    sc: stripe.StripeClient, http: httpx.Client
) -> None:
    price = make_price(sc, 2000)
    session = sc.v1.checkout.sessions.create(
        session_params(
            price.id,
            shipping_options=[_option("Post", 500), _option("Courier", 1500)],
        )
    )
    path = f"/c/pay/{session.id}"
    courier = str(session.shipping_options[1].shipping_rate)
    form = {"email": "ann@example.com", "card_number": "4242424242424242", "shipping_rate": courier}
    stale = http.post(path, data={**form, "expected_total": "2500"})
    assert stale.status_code == 200 and 'id="totalChanged"' in stale.text
    assert sc.v1.checkout.sessions.retrieve(session.id).status == "open"
    paid = http.post(path, data={**form, "expected_total": "3500"}, follow_redirects=False)
    assert paid.status_code == 303
