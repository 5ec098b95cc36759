"""More than one currency through the SDK (sync and async): `currency_options` on Prices and
Coupons, sessions in another currency, zero- and three-decimal currencies, and a price's
`tax_behavior` set once."""

from __future__ import annotations

import re
from typing import Any

import httpx
import stripe

from .conftest import SDK, new_price, refused, session_params


async def test_price_currency_options_are_sent_only_when_expanded(sdk: SDK) -> None:
    price = await new_price(
        sdk,
        2000,
        tax_behavior="exclusive",
        currency_options={"eur": {"unit_amount": 1900}, "jpy": {"unit_amount": 3000}},
    )
    assert "currency_options" not in price
    prices = sdk.client.v1.prices
    expanded = await sdk(prices.retrieve, price.id, {"expand": ["currency_options"]})
    options = expanded.currency_options
    assert options is not None
    assert (options["eur"].unit_amount, options["eur"].tax_behavior) == (1900, "exclusive")
    assert options["jpy"].unit_amount_decimal == "3000"
    updated = await sdk(
        prices.update,
        price.id,
        {"currency_options": {"gbp": {"unit_amount": 1700}}, "expand": ["currency_options"]},
    )
    assert sorted(updated.currency_options.to_dict()) == ["eur", "gbp", "jpy"]
    own = await refused(
        sdk, prices.create, {**_base(price), "currency_options": {"usd": {"unit_amount": 1}}}
    )
    assert own.param == "currency_options[usd]"


def _base(price: stripe.Price) -> dict[str, Any]:
    return {"product": str(price.product), "currency": "usd", "unit_amount": 100}


async def test_session_in_another_currency_uses_the_option(sdk: SDK) -> None:
    price = await new_price(sdk, 2000, currency_options={"eur": {"unit_amount": 1850}})
    coupon = await sdk(
        sdk.client.v1.coupons.create,
        {"amount_off": 500, "currency": "usd", "currency_options": {"eur": {"amount_off": 450}}},
    )
    assert "currency_options" not in coupon
    sessions = sdk.client.v1.checkout.sessions
    session = await sdk(
        sessions.create,
        session_params(price.id, quantity=2, currency="eur", discounts=[{"coupon": coupon.id}]),
    )
    assert (session.currency, session.amount_subtotal, session.amount_total) == ("eur", 3700, 3250)
    items = await sdk(sessions.line_items.list, session.id)
    assert (items.data[0].currency, items.data[0].amount_subtotal) == ("eur", 3700)
    no_option = await refused(sdk, sessions.create, session_params(price.id, currency="gbp"))
    assert no_option.param == "line_items[0]"
    assert str(no_option.user_message) == (
        "The price specified supports currencies of `usd`, `eur` which doesn't include the "
        "expected currency of `gbp`."
    )
    plain = await new_price(sdk, 1000, "eur", name="Euro tea")
    gbp_coupon = await sdk(sdk.client.v1.coupons.create, {"amount_off": 100, "currency": "gbp"})
    wrong_currency = await refused(
        sdk, sessions.create, session_params(plain.id, discounts=[{"coupon": gbp_coupon.id}])
    )
    assert wrong_currency.param == "discounts[0][coupon]"
    added = await sdk(
        sdk.client.v1.coupons.update,
        gbp_coupon.id,
        {"currency_options": {"eur": {"amount_off": 120}}, "expand": ["currency_options"]},
    )
    assert added.currency_options["eur"].amount_off == 120
    accepted = await sdk(
        sessions.create, session_params(plain.id, discounts=[{"coupon": gbp_coupon.id}])
    )
    assert accepted.amount_total == 880


async def test_three_decimal_amounts_must_end_in_zero(sdk: SDK) -> None:
    products = sdk.client.v1.products
    bad = await refused(
        sdk,
        products.create,
        {"name": "Dates", "default_price_data": {"currency": "kwd", "unit_amount": 12345}},
    )
    assert bad.param == "default_price_data[unit_amount]"
    option = await refused(
        sdk,
        products.create,
        {
            "name": "Dates",
            "default_price_data": {
                "currency": "usd",
                "unit_amount": 1000,
                "currency_options": {"bhd": {"unit_amount": 3771}},
            },
        },
    )
    assert option.param == "default_price_data[currency_options][bhd][unit_amount]"
    coupon = await refused(
        sdk, sdk.client.v1.coupons.create, {"amount_off": 105, "currency": "omr"}
    )
    assert coupon.param == "amount_off"
    price = await new_price(sdk, 12340, "kwd")
    percent = await sdk(sdk.client.v1.coupons.create, {"percent_off": 15})
    rate = await sdk(
        sdk.client.v1.tax_rates.create, {"display_name": "VAT", "percentage": 5, "inclusive": False}
    )
    params = session_params(price.id, discounts=[{"coupon": percent.id}])
    params["line_items"][0]["tax_rates"] = [rate.id]
    session = await sdk(sdk.client.v1.checkout.sessions.create, params)
    # 15 % of 12340 = 1851 -> 1850 (tens); 5 % of 10490 = 524.5 -> 520 (tens, half up).
    assert (session.total_details.amount_discount, session.total_details.amount_tax) == (1850, 520)
    assert session.amount_total == 11010 and session.amount_total % 10 == 0


async def test_price_tax_behavior_is_set_once(sdk: SDK) -> None:
    price = await new_price(sdk, 1000)
    prices = sdk.client.v1.prices
    assert (await sdk(prices.update, price.id, {"tax_behavior": "inclusive"})).tax_behavior == (
        "inclusive"
    )
    for other in ("exclusive", "unspecified"):
        error = await refused(sdk, prices.update, price.id, {"tax_behavior": other})
        assert error.param == "tax_behavior"
    assert (await sdk(prices.update, price.id, {"tax_behavior": "inclusive"})).tax_behavior == (
        "inclusive"
    )


def test_page_shows_zero_and_three_decimal_amounts(
    sc: stripe.StripeClient, http: httpx.Client
) -> None:
    for currency, amount, shown in (("jpy", 1500, "1,500 JPY"), ("kwd", 12340, "12.340 KWD")):
        product = sc.v1.products.create(
            {"name": "Tea", "default_price_data": {"currency": currency, "unit_amount": amount}}
        )
        session = sc.v1.checkout.sessions.create(session_params(str(product.default_price)))
        html = http.get(f"/c/pay/{session.id}").text
        assert re.search(rf'id="total">{re.escape(shown)}<', html), shown
        russian = http.get(f"/c/pay/{session.id}", headers={"Accept-Language": "ru"}).text
        expected = "1\xa0500\xa0¥" if currency == "jpy" else "12,340\xa0KWD"
        assert f'id="total">{expected}<' in russian


def _rate(amount: int, currency: str, **options: dict[str, Any]) -> dict[str, Any]:
    fixed: dict[str, Any] = {"amount": amount, "currency": currency}
    if options:
        fixed["currency_options"] = options
    return {"shipping_rate_data": {"display_name": "Post", "fixed_amount": fixed}}


async def test_session_currency_with_shipping_rate_currency_options(sdk: SDK) -> None:
    """A session in `currency` takes a shipping rate in that currency, or one whose
    `fixed_amount.currency_options` has it (that amount and tax behaviour); else 400."""
    price = await new_price(sdk, 2000, currency_options={"eur": {"unit_amount": 1850}})
    sessions = sdk.client.v1.checkout.sessions
    own = await sdk(
        sessions.create,
        session_params(price.id, currency="eur", shipping_options=[_rate(450, "eur")]),
    )
    assert (own.currency, own.amount_total, own.shipping_options[0].shipping_amount) == (
        "eur",
        1850 + 450,
        450,
    )
    option = await sdk(
        sessions.create,
        session_params(
            price.id,
            currency="eur",
            shipping_options=[_rate(500, "usd", eur={"amount": 470})],
        ),
    )
    assert (option.amount_total, option.total_details.amount_shipping) == (1850 + 470, 470)
    rate = await sdk(
        sdk.client.v1.shipping_rates.retrieve, str(option.shipping_options[0].shipping_rate)
    )
    assert rate.fixed_amount.currency == "usd"
    assert rate.fixed_amount.currency_options["eur"].amount == 470
    missing = await refused(
        sdk,
        sessions.create,
        session_params(price.id, currency="eur", shipping_options=[_rate(500, "usd")]),
    )
    assert missing.param == "shipping_options[0]"
    fils = await refused(
        sdk,
        sdk.client.v1.shipping_rates.create,
        {
            "display_name": "Post",
            "fixed_amount": {
                "amount": 500,
                "currency": "usd",
                "currency_options": {"kwd": {"amount": 155}},
            },
        },
    )
    assert fils.param == "fixed_amount[currency_options][kwd][amount]"
    plain = await sdk(
        sdk.client.v1.shipping_rates.create,
        {"display_name": "Post", "fixed_amount": {"amount": 500, "currency": "usd"}},
    )
    assert "currency_options" not in plain.fixed_amount  # sent only when the rate has some


async def test_amount_coupon_options_in_zero_and_three_decimal_currencies(sdk: SDK) -> None:
    coupons, sessions = sdk.client.v1.coupons, sdk.client.v1.checkout.sessions
    bad = await refused(
        sdk,
        coupons.create,
        {"amount_off": 500, "currency": "usd", "currency_options": {"kwd": {"amount_off": 1505}}},
    )
    assert bad.param == "currency_options[kwd][amount_off]"
    coupon = await sdk(
        coupons.create,
        {
            "amount_off": 500,
            "currency": "usd",
            "currency_options": {"jpy": {"amount_off": 750}, "kwd": {"amount_off": 1540}},
        },
    )
    listed = await sdk(coupons.list, {"expand": ["data.currency_options"]})
    options = next(c for c in listed.data if c.id == coupon.id).currency_options.to_dict()
    assert options == {"jpy": {"amount_off": 750}, "kwd": {"amount_off": 1540}}
    yen = await new_price(sdk, 600, "jpy", name="Yen tea")
    capped = await sdk(sessions.create, session_params(yen.id, discounts=[{"coupon": coupon.id}]))
    assert (capped.total_details.amount_discount, capped.amount_total) == (600, 0)
    assert capped.payment_status == "no_payment_required"
    dinar = await new_price(sdk, 12340, "kwd", name="Dinar tea")
    session = await sdk(
        sessions.create, session_params(dinar.id, quantity=2, discounts=[{"coupon": coupon.id}])
    )
    assert (session.total_details.amount_discount, session.amount_total) == (1540, 23140)
