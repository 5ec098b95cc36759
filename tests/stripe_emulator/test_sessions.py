"""Checkout Sessions: validation, totals, expansion, expiry, lists."""

from __future__ import annotations

import json
import time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
import stripe

from vitrina.stripe_emulator import Clock
from vitrina.stripe_emulator.testing import EmulatorServer

from .conftest import WEBHOOK_SECRET, Receiver, make_price, session_params, wait_for


def _refused(sc: stripe.StripeClient, params: dict[str, Any]) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.checkout.sessions.create(params)
    assert raised.value.http_status == 400
    return raised.value


def test_open_session_shape(sc: stripe.StripeClient, emulator: EmulatorServer) -> None:
    price = make_price(sc, 1500)
    session = sc.v1.checkout.sessions.create(
        session_params(
            price.id,
            quantity=2,
            client_reference_id="basket-1",
            customer_email="ann@example.com",
            metadata={"basket": "1"},
        )
    )
    assert session.id.startswith("cs_test_")
    assert (session.status, session.payment_status, session.mode) == ("open", "unpaid", "payment")
    assert session.url == f"{emulator.base_url}/c/pay/{session.id}"
    assert (session.amount_subtotal, session.amount_total, session.currency) == (3000, 3000, "usd")
    assert session.payment_intent is None
    assert session.ui_mode == "hosted_page"
    assert session.client_reference_id == "basket-1"
    assert session.metadata.to_dict() == {"basket": "1"}
    assert not hasattr(session, "line_items")
    assert 24 * 3600 - 5 <= session.expires_at - session.created <= 24 * 3600


def test_line_items_endpoint_and_expand(sc: stripe.StripeClient) -> None:
    tea, coffee = make_price(sc, 500), make_price(sc, 700, name="Coffee")
    params = session_params(tea.id, quantity=3)
    params["line_items"].append({"price": coffee.id, "quantity": 1})
    session = sc.v1.checkout.sessions.create(params)
    items = sc.v1.checkout.sessions.line_items.list(session.id)
    assert [(i.price.id, i.quantity, i.amount_total) for i in items.data] == [
        (tea.id, 3, 1500),
        (coffee.id, 1, 700),
    ]
    assert items.data[0].description == "Tea"
    expanded = sc.v1.checkout.sessions.retrieve(session.id, {"expand": ["line_items"]})
    assert [i.id for i in expanded.line_items.data] == [i.id for i in items.data]
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.checkout.sessions.retrieve(session.id, {"expand": ["customer_email"]})


def test_price_data_with_product_data_and_product(sc: stripe.StripeClient) -> None:
    product = sc.v1.products.create({"name": "Tea"})
    params = session_params("unused")
    params["line_items"] = [
        {
            "price_data": {"currency": "usd", "unit_amount": 250, "product": product.id},
            "quantity": 2,
        },
        {
            "price_data": {"currency": "usd", "unit_amount": 0, "product_data": {"name": "Gift"}},
            "quantity": 1,
        },
    ]
    session = sc.v1.checkout.sessions.create(params)
    assert session.amount_total == 500
    items = sc.v1.checkout.sessions.line_items.list(session.id).data
    assert [i.description for i in items] == ["Tea", "Gift"]


@pytest.mark.parametrize(
    "line,param",
    [
        (
            {
                "price_data": {"currency": "usd", "unit_amount": -1, "product_data": {"name": "x"}},
                "quantity": 1,
            },
            "line_items[0][price_data][unit_amount]",
        ),
        (
            {"price_data": {"currency": "usd", "unit_amount": 1}, "quantity": 1},
            "line_items[0][price_data][product]",
        ),
        ({"quantity": 1}, "line_items[0][price]"),
        ({"price": "PRICE", "quantity": 0}, "line_items[0][quantity]"),
        ({"price": "PRICE"}, "line_items[0][quantity]"),
        ({"price": "price_missing", "quantity": 1}, "line_items[0][price]"),
    ],
)
def test_line_item_rules(sc: stripe.StripeClient, line: dict[str, Any], param: str) -> None:
    price = make_price(sc)
    if line.get("price") == "PRICE":
        line = {**line, "price": price.id}
    params = session_params(price.id)
    params["line_items"] = [line]
    assert _refused(sc, params).param == param


def test_fractional_amount_is_a_type_error(sc: stripe.StripeClient) -> None:
    params = session_params("x")
    params["line_items"] = [
        {
            "price_data": {"currency": "usd", "unit_amount": 12.5, "product_data": {"name": "x"}},
            "quantity": 1,
        }
    ]
    error = _refused(sc, params)
    assert error.code == "parameter_invalid_integer"


def test_line_item_count_bounds(sc: stripe.StripeClient) -> None:
    price = make_price(sc, 1)
    assert _refused(sc, {**session_params(price.id), "line_items": []}).param == "line_items"
    many = {**session_params(price.id), "line_items": [{"price": price.id, "quantity": 1}] * 101}
    assert _refused(sc, many).param == "line_items"
    hundred = {**session_params(price.id), "line_items": [{"price": price.id, "quantity": 1}] * 100}
    assert sc.v1.checkout.sessions.create(hundred).amount_total == 100


def test_archived_price_and_archived_product_are_refused(sc: stripe.StripeClient) -> None:
    price = make_price(sc)
    spare = sc.v1.prices.create(
        {"product": str(price.product), "currency": "usd", "unit_amount": 9}
    )
    sc.v1.prices.update(spare.id, {"active": False})
    assert _refused(sc, session_params(spare.id)).param == "line_items[0][price]"
    sc.v1.products.update(str(price.product), {"active": False})
    assert _refused(sc, session_params(price.id)).param == "line_items[0][price]"


def test_one_currency_per_session(sc: stripe.StripeClient) -> None:
    usd, eur = make_price(sc, 100, "usd"), make_price(sc, 100, "eur", name="Euro tea")
    params = session_params(usd.id)
    params["line_items"].append({"price": eur.id, "quantity": 1})
    assert _refused(sc, params).param == "line_items[1]"


def test_mode_and_urls(sc: stripe.StripeClient) -> None:
    price = make_price(sc)
    no_mode = session_params(price.id)
    del no_mode["mode"]
    assert _refused(sc, no_mode).code == "parameter_missing"
    no_success = session_params(price.id)
    del no_success["success_url"]
    assert _refused(sc, no_success).param == "success_url"
    assert _refused(sc, session_params(price.id, mode="bogus")).param == "mode"


def test_expires_at_bounds(sc: stripe.StripeClient) -> None:
    price = make_price(sc)
    now = int(time.time())
    assert _refused(sc, session_params(price.id, expires_at=now + 29 * 60)).param == "expires_at"
    assert _refused(sc, session_params(price.id, expires_at=now + 25 * 3600)).param == "expires_at"
    ok = sc.v1.checkout.sessions.create(session_params(price.id, expires_at=now + 3600))
    assert ok.expires_at == now + 3600


def test_discount_rules(sc: stripe.StripeClient) -> None:
    price = make_price(sc)
    a = sc.v1.coupons.create({"percent_off": 10})
    b = sc.v1.coupons.create({"percent_off": 20})
    two = session_params(price.id, discounts=[{"coupon": a.id}, {"coupon": b.id}])
    assert _refused(sc, two).param == "discounts"
    combined = session_params(price.id, discounts=[{"coupon": a.id}], allow_promotion_codes=True)
    assert _refused(sc, combined).param == "discounts"
    both = session_params(price.id, discounts=[{"coupon": a.id, "promotion_code": "promo_x"}])
    assert _refused(sc, both).param == "discounts[0]"
    euro_off = sc.v1.coupons.create({"amount_off": 100, "currency": "eur"})
    assert _refused(sc, session_params(price.id, discounts=[{"coupon": euro_off.id}])).param
    allowed = sc.v1.checkout.sessions.create(session_params(price.id, allow_promotion_codes=True))
    assert allowed.allow_promotion_codes is True


def _stripe_percent(subtotal: int, percent: str) -> int:
    exact = Decimal(subtotal) * Decimal(percent) / 100
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize(
    "unit,quantity,percent",
    [(1999, 1, "22.5"), (333, 3, "33.3"), (50000, 1, "22.0"), (105, 1, "50")],
)
def test_percent_discount_totals(
    sc: stripe.StripeClient, unit: int, quantity: int, percent: str
) -> None:
    price = make_price(sc, unit)
    coupon = sc.v1.coupons.create({"percent_off": float(percent)})
    session = sc.v1.checkout.sessions.create(
        session_params(price.id, quantity=quantity, discounts=[{"coupon": coupon.id}]),
    )
    subtotal = unit * quantity
    discount = _stripe_percent(subtotal, percent)
    assert session.amount_subtotal == subtotal
    assert session.total_details is not None
    assert session.total_details.amount_discount == discount
    assert session.amount_total == subtotal - discount
    assert [{"coupon": coupon.id, "promotion_code": None}] == [
        d.to_dict() for d in session.discounts or []
    ]


def test_amount_off_capped_and_zero_total(sc: stripe.StripeClient) -> None:
    price = make_price(sc, 300)
    coupon = sc.v1.coupons.create({"amount_off": 500, "currency": "usd"})
    session = sc.v1.checkout.sessions.create(
        session_params(price.id, discounts=[{"coupon": coupon.id}])
    )
    assert session.total_details is not None
    assert (session.total_details.amount_discount, session.amount_total) == (300, 0)
    assert session.payment_status == "no_payment_required"


def test_promotion_code_discount_and_breakdown(sc: stripe.StripeClient) -> None:
    price = make_price(sc, 1000)
    coupon = sc.v1.coupons.create({"percent_off": 25})
    promo = sc.v1.promotion_codes.create(
        {"promotion": {"type": "coupon", "coupon": coupon.id}, "code": "QUARTER"}
    )
    session = sc.v1.checkout.sessions.create(
        session_params(price.id, quantity=2, discounts=[{"promotion_code": promo.id}]),
    )
    assert session.amount_total == 1500
    expanded = sc.v1.checkout.sessions.retrieve(
        session.id, {"expand": ["total_details.breakdown", "line_items"]}
    )
    assert expanded.total_details is not None and expanded.total_details.breakdown is not None
    discount = expanded.total_details.breakdown.discounts[0]
    assert discount.amount == 500
    assert expanded.line_items is not None
    assert expanded.line_items.data[0].amount_discount == 500
    sc.v1.promotion_codes.update(promo.id, {"active": False})
    inactive = session_params(price.id, discounts=[{"promotion_code": promo.id}])
    assert _refused(sc, inactive).param == "discounts[0][promotion_code]"


def test_promotion_code_minimum_amount(sc: stripe.StripeClient) -> None:
    price = make_price(sc, 1000)
    coupon = sc.v1.coupons.create({"percent_off": 25})
    promo = sc.v1.promotion_codes.create(
        {
            "promotion": {"type": "coupon", "coupon": coupon.id},
            "restrictions": {"minimum_amount": 5000, "minimum_amount_currency": "usd"},
        }
    )
    params = session_params(price.id, discounts=[{"promotion_code": promo.id}])
    assert _refused(sc, params).param == "discounts[0][promotion_code]"
    params["line_items"][0]["quantity"] = 5
    assert sc.v1.checkout.sessions.create(params).amount_total == 3750


def test_shipping_options_and_address_collection(sc: stripe.StripeClient) -> None:
    price = make_price(sc, 1000)
    session = sc.v1.checkout.sessions.create(
        session_params(
            price.id,
            shipping_address_collection={"allowed_countries": ["US", "DE"]},
            shipping_options=[
                {
                    "shipping_rate_data": {
                        "type": "fixed_amount",
                        "display_name": "Post",
                        "fixed_amount": {"amount": 499, "currency": "usd"},
                    }
                }
            ],
        )
    )
    assert session.total_details is not None
    assert (session.total_details.amount_shipping, session.amount_total) == (499, 1499)
    assert session.shipping_cost is not None and session.shipping_cost.amount_total == 499
    assert session.shipping_address_collection is not None
    assert session.shipping_address_collection.allowed_countries == ["US", "DE"]
    rate = sc.v1.shipping_rates.create(
        {
            "display_name": "Express",
            "type": "fixed_amount",
            "fixed_amount": {"amount": 900, "currency": "usd"},
        }
    )
    by_id = sc.v1.checkout.sessions.create(
        session_params(price.id, shipping_options=[{"shipping_rate": rate.id}])
    )
    assert by_id.amount_total == 1900
    wrong = session_params(
        price.id,
        shipping_options=[
            {
                "shipping_rate_data": {
                    "display_name": "Post",
                    "fixed_amount": {"amount": 499, "currency": "eur"},
                }
            }
        ],
    )
    assert _refused(sc, wrong).param == "shipping_options[0]"


def test_expire_only_when_open(sc: stripe.StripeClient, emulator: EmulatorServer) -> None:
    price = make_price(sc)
    session = sc.v1.checkout.sessions.create(session_params(price.id))
    expired = sc.v1.checkout.sessions.expire(session.id)
    assert (expired.status, expired.url) == ("expired", None)
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.checkout.sessions.expire(session.id)
    paid = sc.v1.checkout.sessions.create(session_params(price.id))
    emulator.control("POST", f"checkout/sessions/{paid.id}/complete", {"outcome": "paid"})
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.checkout.sessions.expire(paid.id)
    assert raised.value.http_status == 400
    assert sc.v1.checkout.sessions.retrieve(paid.id).status == "complete"


def test_session_expires_after_24_hours_on_the_clock(
    sc: stripe.StripeClient, emulator: EmulatorServer
) -> None:
    price = make_price(sc)
    session = sc.v1.checkout.sessions.create(session_params(price.id))
    emulator.control("POST", "clock/advance", {"seconds": 23 * 3600})
    assert sc.v1.checkout.sessions.retrieve(session.id).status == "open"
    answer = emulator.control("POST", "clock/advance", {"seconds": 3600})
    assert answer["expired"] == [session.id]
    after = sc.v1.checkout.sessions.retrieve(session.id)
    assert (after.status, after.url) == ("expired", None)
    events = sc.v1.events.list({"type": "checkout.session.expired"}).data
    assert [e.data.object["id"] for e in events] == [session.id]


def test_session_list_filters(sc: stripe.StripeClient, emulator: EmulatorServer) -> None:
    price = make_price(sc)
    first = sc.v1.checkout.sessions.create(session_params(price.id))
    second = sc.v1.checkout.sessions.create(session_params(price.id))
    emulator.control("POST", f"checkout/sessions/{first.id}/complete", {"outcome": "paid"})
    done = sc.v1.checkout.sessions.retrieve(first.id)
    assert [s.id for s in sc.v1.checkout.sessions.list().data] == [second.id, first.id]
    assert [s.id for s in sc.v1.checkout.sessions.list({"status": "open"}).data] == [second.id]
    by_intent = sc.v1.checkout.sessions.list({"payment_intent": str(done.payment_intent)})
    assert [s.id for s in by_intent.data] == [first.id]
    created = sc.v1.checkout.sessions.list({"created": {"gte": second.created}}).data
    assert second.id in [s.id for s in created]


def test_sessions_expire_on_time_without_api_calls(receiver: Receiver) -> None:
    clock = Clock()
    with EmulatorServer(
        webhook_url=receiver.url, webhook_secret=WEBHOOK_SECRET, clock=clock
    ) as emulator:
        emulator.app.state.emulator.sweep_interval = 0.05
        sc = emulator.client()
        price = make_price(sc)
        # A minute above Stripe's 30-minute minimum: exactly 1800 s is refused whenever the
        # clock ticks into the next second between this line and the request.
        session = sc.v1.checkout.sessions.create(
            session_params(price.id, expires_at=clock.timestamp() + 1860)
        )
        receiver.clear()
        clock.advance(1861)
        wait_for(lambda: receiver.of_type("checkout.session.expired"))
        event = json.loads(receiver.of_type("checkout.session.expired")[0].body)
        assert event["data"]["object"]["id"] == session.id
        assert event["request"] == {"id": None, "idempotency_key": None}


def test_minimum_charge_amount(sc: stripe.StripeClient) -> None:
    cheap = make_price(sc, 49)
    assert _refused(sc, session_params(cheap.id)).param == "line_items"
    assert sc.v1.checkout.sessions.create(session_params(cheap.id, quantity=2)).amount_total == 98
    pricey = make_price(sc, 100, name="Discounted")
    coupon = sc.v1.coupons.create({"percent_off": 75})
    leaves_25 = session_params(pricey.id, discounts=[{"coupon": coupon.id}])
    assert _refused(sc, leaves_25).param == "line_items"
    huge = make_price(sc, 50_000_000, name="Yacht")
    error = _refused(sc, session_params(huge.id, quantity=2))
    assert (error.param, error.code) == ("line_items", "amount_too_large")
    free = sc.v1.coupons.create({"percent_off": 100})
    gift = sc.v1.checkout.sessions.create(
        session_params(pricey.id, discounts=[{"coupon": free.id}])
    )
    assert gift.payment_status == "no_payment_required"


def test_coupon_limited_to_products(sc: stripe.StripeClient) -> None:
    tea, cup = make_price(sc, 1000), make_price(sc, 3000, name="Cup")
    coupon = sc.v1.coupons.create(
        {"percent_off": 50, "applies_to": {"products": [str(tea.product)]}}
    )
    params = session_params(tea.id, discounts=[{"coupon": coupon.id}])
    params["line_items"].append({"price": cup.id, "quantity": 1})
    session = sc.v1.checkout.sessions.create(params)
    assert session.total_details is not None
    assert (session.total_details.amount_discount, session.amount_total) == (500, 3500)
    items = sc.v1.checkout.sessions.line_items.list(session.id).data
    assert [i.amount_discount for i in items] == [500, 0]


def test_promotion_code_expiry_and_redemption_limit(
    sc: stripe.StripeClient, emulator: EmulatorServer
) -> None:
    price = make_price(sc)
    coupon = sc.v1.coupons.create({"percent_off": 10})
    now = emulator.control("GET", "clock")["now"]
    promotion = {"type": "coupon", "coupon": coupon.id}
    soon = sc.v1.promotion_codes.create({"promotion": promotion, "expires_at": now + 3600})
    once = sc.v1.promotion_codes.create({"promotion": promotion, "max_redemptions": 1})
    first = sc.v1.checkout.sessions.create(
        session_params(price.id, discounts=[{"promotion_code": once.id}])
    )
    emulator.complete_session(first.id)
    assert sc.v1.promotion_codes.retrieve(once.id).times_redeemed == 1
    used_up = session_params(price.id, discounts=[{"promotion_code": once.id}])
    assert _refused(sc, used_up).param == "discounts[0][promotion_code]"
    emulator.advance_clock(3601)
    expired = session_params(price.id, discounts=[{"promotion_code": soon.id}])
    assert _refused(sc, expired).param == "discounts[0][promotion_code]"


def test_ui_modes(sc: stripe.StripeClient) -> None:
    price = make_price(sc)
    assert _refused(sc, session_params(price.id, ui_mode="popup")).param == "ui_mode"
    embedded = {
        "mode": "payment",
        "ui_mode": "embedded_page",
        "return_url": "http://127.0.0.1:9/return?session_id={CHECKOUT_SESSION_ID}",
        "line_items": [{"price": price.id, "quantity": 1}],
    }
    session = sc.v1.checkout.sessions.create(embedded)
    assert session.url is None
    assert session.client_secret is not None and session.client_secret.startswith(session.id)
    with_success = {**embedded, "success_url": "http://127.0.0.1:9/ok"}
    assert _refused(sc, with_success).param == "success_url"
