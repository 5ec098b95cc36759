"""Taxes on Checkout Sessions through the SDK (sync and async): Tax Rates on line items and
`automatic_tax`, with the totals, breakdowns and payment amounts Stripe shows.

The expected numbers are worked out by hand in the comments (the rules: docs/stripe-emulator.md,
"Taxes")."""

from __future__ import annotations

from typing import Any

import httpx
import stripe

from vitrina.stripe_emulator.testing import EmulatorServer

from .conftest import SDK, new_price, refused, session_params


async def _rate(sdk: SDK, percentage: float | str, inclusive: bool, **extra: Any) -> Any:
    params = {"display_name": "VAT", "percentage": percentage, "inclusive": inclusive, **extra}
    return await sdk(sdk.client.v1.tax_rates.create, params)


async def _refused(sdk: SDK, params: dict[str, Any]) -> stripe.InvalidRequestError:
    return await refused(sdk, sdk.client.v1.checkout.sessions.create, params)


def _paid_amounts(sdk: SDK, emulator: EmulatorServer, session_id: str) -> tuple[int, int]:
    """The PaymentIntent's and the Charge's amounts once the session is paid."""
    client = emulator.client()
    intent = client.v1.payment_intents.retrieve(
        str(client.v1.checkout.sessions.retrieve(session_id).payment_intent)
    )
    charge = client.v1.charges.retrieve(str(intent.latest_charge))
    return intent.amount, charge.amount


async def test_inclusive_and_exclusive_rates_with_coupon_and_shipping(
    sdk: SDK, emulator: EmulatorServer
) -> None:
    tea = await new_price(sdk, 1999)
    cup = await new_price(sdk, 1190, name="Cup", tax_behavior="inclusive")
    sales = await _rate(sdk, 7.25, False, display_name="Sales Tax")
    vat = await _rate(sdk, 19, True)
    coupon = await sdk(sdk.client.v1.coupons.create, {"percent_off": 10})
    params = session_params(
        tea.id,
        quantity=3,
        discounts=[{"coupon": coupon.id}],
        shipping_options=[
            {
                "shipping_rate_data": {
                    "display_name": "Post",
                    "fixed_amount": {"amount": 500, "currency": "usd"},
                }
            }
        ],
    )
    params["line_items"][0]["tax_rates"] = [sales.id]
    params["line_items"].append({"price": cup.id, "quantity": 1, "tax_rates": [vat.id]})
    session = await sdk(sdk.client.v1.checkout.sessions.create, params)
    # Subtotal 3 x 1999 + 1190 = 7187; 10 % off = 718.7 -> 719, spread 600 / 119.
    # Tea: (5997 - 600) x 7.25 % = 391.28 -> 391 added. Cup: (1190 - 119) x 19/119 = 171
    # included. Total 7187 - 719 + 500 + 391 = 7359; tax 391 + 171 = 562.
    assert (session.amount_subtotal, session.amount_total) == (7187, 7359)
    details = session.total_details
    assert details is not None
    assert (details.amount_discount, details.amount_shipping, details.amount_tax) == (719, 500, 562)
    assert "breakdown" not in details  # only when expanded
    expanded = await sdk(
        sdk.client.v1.checkout.sessions.retrieve,
        session.id,
        {
            "expand": [
                "total_details.breakdown",
                "line_items.data.taxes",
                "line_items.data.discounts",
            ]
        },
    )
    breakdown = expanded.total_details.breakdown
    assert [(t.rate.id, t.amount, t.taxable_amount) for t in breakdown.taxes] == [
        (sales.id, 391, 5397),
        (vat.id, 171, 900),
    ]
    assert [d.amount for d in breakdown.discounts] == [719]
    assert breakdown.discounts[0].discount.source.coupon == coupon.id
    items = expanded.line_items.data
    assert [
        (i.amount_subtotal, i.amount_discount, i.amount_tax, i.amount_total) for i in items
    ] == [
        (5997, 600, 391, 5788),
        (1190, 119, 171, 1071),
    ]
    assert [[t.amount for t in i.taxes] for i in items] == [[391], [171]]
    assert [[d.amount for d in i.discounts] for i in items] == [[600], [119]]
    plain = await sdk(sdk.client.v1.checkout.sessions.line_items.list, session.id)
    assert "taxes" not in plain.data[0] and "discounts" not in plain.data[0]
    listed = await sdk(
        sdk.client.v1.checkout.sessions.line_items.list, session.id, {"expand": ["data.taxes"]}
    )
    assert [t.amount for t in listed.data[1].taxes] == [171]
    emulator.complete_session(session.id, "paid")
    assert _paid_amounts(sdk, emulator, session.id) == (7359, 7359)


async def test_several_rates_on_one_line_round_half_up_each(sdk: SDK) -> None:
    price = await new_price(sdk, 1999)
    gst, pst = await _rate(sdk, 5, False, display_name="GST"), await _rate(sdk, 7, False)
    included = await new_price(sdk, 1000, name="Box", tax_behavior="inclusive")
    ten, five = await _rate(sdk, 10, True), await _rate(sdk, 5, True)
    half = await new_price(sdk, 1010, name="Half")
    params = session_params(price.id)
    params["line_items"][0]["tax_rates"] = [gst.id, pst.id]
    params["line_items"] += [
        {"price": included.id, "quantity": 1, "tax_rates": [ten.id, five.id]},
        {"price": half.id, "quantity": 1, "tax_rates": [gst.id]},
    ]
    session = await sdk(
        sdk.client.v1.checkout.sessions.retrieve,
        (await sdk(sdk.client.v1.checkout.sessions.create, params)).id,
        {"expand": ["line_items.data.taxes"]},
    )
    taxes = [[(t.amount, t.taxable_amount) for t in i.taxes] for i in session.line_items.data]
    # 1999 x 5 % = 99.95 -> 100, x 7 % = 139.93 -> 140; 1000 x 10/115 = 86.96 -> 87,
    # x 5/115 = 43.48 -> 43 (taxable 1000 - 130 = 870); 1010 x 5 % = 50.5 -> 51 (half up).
    assert taxes == [[(100, 1999), (140, 1999)], [(87, 870), (43, 870)], [(51, 1010)]]
    assert session.total_details.amount_tax == 100 + 140 + 87 + 43 + 51
    assert session.amount_total == 1999 + 1000 + 1010 + 100 + 140 + 51


async def test_rate_must_agree_with_the_price_tax_behavior(sdk: SDK) -> None:
    exclusive = await new_price(sdk, 1000, tax_behavior="exclusive")
    inclusive_rate = await _rate(sdk, 20, True)
    params = session_params(exclusive.id)
    params["line_items"][0]["tax_rates"] = [inclusive_rate.id]
    error = await _refused(sdk, params)
    assert error.param == "line_items[0][tax_rates]"
    assert "conflicts with the tax rates" in str(error.user_message)
    unspecified = await new_price(sdk, 1000)
    params = session_params(unspecified.id)
    params["line_items"][0]["tax_rates"] = [inclusive_rate.id]
    accepted = await sdk(sdk.client.v1.checkout.sessions.create, params)
    assert (accepted.amount_total, accepted.total_details.amount_tax) == (1000, 167)


async def test_automatic_tax_waits_for_the_address_then_charges_it(
    sdk: SDK, emulator: EmulatorServer, ahttp: httpx.AsyncClient
) -> None:
    price = await new_price(sdk, 2000, tax_behavior="exclusive")
    session = await sdk(
        sdk.client.v1.checkout.sessions.create,
        session_params(price.id, automatic_tax={"enabled": True}),
    )
    automatic = session.automatic_tax
    assert (automatic.enabled, automatic.status, automatic.provider) == (
        True,
        "requires_location_inputs",
        "stripe",
    )
    assert automatic.liability is not None and automatic.liability.type == "self"
    assert (session.amount_total, session.total_details.amount_tax) == (2000, 0)
    no_address = await ahttp.post(f"/_emulator/checkout/sessions/{session.id}/complete", json={})
    assert no_address.status_code == 400
    assert no_address.json()["error"]["param"] == "billing_address[country]"
    emulator.complete_session(session.id, "paid", billing_address={"country": "US", "state": "CA"})
    done = await sdk(
        sdk.client.v1.checkout.sessions.retrieve,
        session.id,
        {"expand": ["total_details.breakdown"]},
    )
    # California 7.25 %: 2000 x 7.25 % = 145.
    assert (done.automatic_tax.status, done.amount_total, done.total_details.amount_tax) == (
        "complete",
        2145,
        145,
    )
    tax = done.total_details.breakdown.taxes[0]
    assert (tax.rate.country, tax.rate.state, tax.rate.jurisdiction_level) == ("US", "CA", "state")
    assert (tax.rate.effective_percentage, tax.rate.inclusive) == (7.25, False)
    assert (tax.taxability_reason, tax.taxable_amount) == ("standard_rated", 2000)
    assert done.customer_details.address.country == "US"
    assert _paid_amounts(sdk, emulator, session.id) == (2145, 2145)


async def test_automatic_tax_on_inclusive_prices_and_shipping(
    sdk: SDK, emulator: EmulatorServer
) -> None:
    price = await new_price(sdk, 11900, "eur", tax_behavior="inclusive")
    params = session_params(
        price.id,
        automatic_tax={"enabled": True},
        shipping_address_collection={"allowed_countries": ["DE", "FR"]},
        shipping_options=[
            {
                "shipping_rate_data": {
                    "display_name": "DHL",
                    "fixed_amount": {"amount": 500, "currency": "eur"},
                    "tax_behavior": "exclusive",
                    "tax_code": "txcd_92010001",
                }
            }
        ],
    )
    session = await sdk(sdk.client.v1.checkout.sessions.create, params)
    assert session.amount_total == 12400
    shipping = {
        "name": "Ann",
        "line1": "1 Rue",
        "city": "Paris",
        "postal_code": "75001",
        "country": "FR",
    }
    emulator.complete_session(session.id, "paid", shipping=shipping)
    done = await sdk(
        sdk.client.v1.checkout.sessions.retrieve,
        session.id,
        {"expand": ["shipping_cost.taxes", "total_details.breakdown"]},
    )
    # France 20 %: 11900 x 20/120 = 1983.33 -> 1983 included; shipping 500 x 20 % = 100 added.
    assert (done.amount_total, done.total_details.amount_tax) == (12500, 2083)
    cost = done.shipping_cost
    assert (cost.amount_subtotal, cost.amount_tax, cost.amount_total) == (500, 100, 600)
    assert [(t.amount, t.taxable_amount) for t in cost.taxes] == [(100, 500)]
    assert sorted(t.amount for t in done.total_details.breakdown.taxes) == [100, 1983]
    assert _paid_amounts(sdk, emulator, session.id) == (12500, 12500)


async def test_automatic_tax_from_the_customers_address_at_creation(sdk: SDK) -> None:
    customer = await sdk(
        sdk.client.v1.customers.create,
        {"email": "ann@example.com", "address": {"country": "GB", "line1": "1 High St"}},
    )
    price = await new_price(sdk, 1000, "gbp", tax_behavior="exclusive")
    session = await sdk(
        sdk.client.v1.checkout.sessions.create,
        session_params(price.id, automatic_tax={"enabled": True}, customer=customer.id),
    )
    assert (session.automatic_tax.status, session.amount_total) == ("complete", 1200)


async def test_automatic_tax_refusals_as_stripe(sdk: SDK) -> None:
    unspecified = await new_price(sdk, 1000)
    error = await _refused(sdk, session_params(unspecified.id, automatic_tax={"enabled": True}))
    assert error.param == "line_items[0][price]"
    assert f"The price `{unspecified.id}` does not have a `tax_behavior` set" in str(
        error.user_message
    )
    exclusive = await new_price(sdk, 1000, tax_behavior="exclusive")
    no_behavior = session_params(
        exclusive.id,
        automatic_tax={"enabled": True},
        shipping_options=[
            {
                "shipping_rate_data": {
                    "display_name": "Post",
                    "fixed_amount": {"amount": 500, "currency": "usd"},
                }
            }
        ],
    )
    assert (await _refused(sdk, no_behavior)).param == "shipping_options[0]"
    rate = await _rate(sdk, 20, False)
    with_rates = session_params(exclusive.id, automatic_tax={"enabled": True})
    with_rates["line_items"][0]["tax_rates"] = [rate.id]
    assert (await _refused(sdk, with_rates)).param == "line_items[0][tax_rates]"


async def test_dynamic_tax_rates_are_not_in_this_api_version(sdk: SDK) -> None:
    """The API version the SDK pins (2026-10-28) has no `dynamic_tax_rates`: Stripe answers
    parameter_unknown, and so does the emulator."""
    price = await new_price(sdk, 1000)
    rate = await _rate(sdk, 20, False, country="GB")
    params = session_params(price.id)
    params["line_items"][0]["dynamic_tax_rates"] = [rate.id]
    error = await _refused(sdk, params)
    assert (error.code, error.param) == ("parameter_unknown", "line_items[0][dynamic_tax_rates]")
