"""Property test through the SDK: for random line items, tax rates (inclusive and exclusive,
mixed across lines and on one line), a coupon and a shipping option, in a two-, zero- and
three-decimal currency, the session's numbers hold together as Stripe's do.

- amount_total = sum of (line subtotal - line discount) + exclusive tax + shipping;
- no tax, taxable amount or total is negative, and every amount is chargeable (tens in kwd);
- no minor unit is lost across lines: line discounts add up to the discount, line and
  shipping taxes to `amount_tax` and to the breakdown, line totals plus shipping to the total;
- each tax is within half a rounding step of its exact value under the documented rule;
- the PaymentIntent and the Charge are for `amount_total`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import stripe
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from vitrina.stripe_emulator.testing import EmulatorServer

STEPS = {"usd": 1, "jpy": 1, "kwd": 10}


@dataclass
class RateSpec:
    percentage: str
    inclusive: bool


@dataclass
class LineSpec:
    units: int
    quantity: int
    tax_behavior: str
    rate_picks: list[int]


@st.composite
def baskets(draw: st.DrawFn) -> dict[str, Any]:
    currency = draw(st.sampled_from(sorted(STEPS)))
    step = STEPS[currency]
    rates = draw(
        st.lists(
            st.builds(
                RateSpec,
                percentage=st.decimals(0, 30, places=2).map(str),
                inclusive=st.booleans(),
            ),
            min_size=1,
            max_size=4,
        )
    )
    lines = draw(
        st.lists(
            st.builds(
                LineSpec,
                units=st.integers(100, 5000),
                quantity=st.integers(1, 4),
                tax_behavior=st.sampled_from(["unspecified", "inclusive", "exclusive"]),
                rate_picks=st.lists(st.integers(0, len(rates) - 1), max_size=3, unique=True),
            ),
            min_size=1,
            max_size=5,
        )
    )
    coupon = draw(
        st.one_of(
            st.none(),
            st.builds(lambda p: {"percent_off": p}, st.integers(1, 90)),
            st.builds(
                lambda a: {"amount_off": a * step, "currency": currency}, st.integers(1, 900)
            ),
        )
    )
    shipping = draw(st.one_of(st.none(), st.integers(0, 2000).map(lambda a: a * step)))
    return {
        "currency": currency,
        "step": step,
        "rates": rates,
        "lines": lines,
        "coupon": coupon,
        "shipping": shipping,
    }


def _create(sc: stripe.StripeClient, basket: dict[str, Any]) -> stripe.checkout.Session:
    currency, step = basket["currency"], basket["step"]
    rates = [
        sc.v1.tax_rates.create(
            {"display_name": f"T{i}", "percentage": r.percentage, "inclusive": r.inclusive}
        )
        for i, r in enumerate(basket["rates"])
    ]
    items: list[dict[str, Any]] = []
    for line in basket["lines"]:
        wanted = {"inclusive": True, "exclusive": False}.get(line.tax_behavior)
        picked = [rates[i].id for i in line.rate_picks if wanted in (None, rates[i].inclusive)]
        price_data = {
            "currency": currency,
            "unit_amount": line.units * step,
            "tax_behavior": line.tax_behavior,
            "product_data": {"name": "Item"},
        }
        items.append({"price_data": price_data, "quantity": line.quantity, "tax_rates": picked})
    params: dict[str, Any] = {
        "mode": "payment",
        "success_url": "http://127.0.0.1:9/ok",
        "line_items": items,
    }
    if basket["coupon"] is not None:
        params["discounts"] = [{"coupon": sc.v1.coupons.create(basket["coupon"]).id}]
    if basket["shipping"] is not None:
        fixed = {"amount": basket["shipping"], "currency": currency}
        params["shipping_options"] = [
            {"shipping_rate_data": {"display_name": "Post", "fixed_amount": fixed}}
        ]
    try:
        created = sc.v1.checkout.sessions.create(params)
    except stripe.InvalidRequestError as error:
        # A total between 0 and the currency's minimum charge is refused, as by Stripe.
        assert "must add up to at least" in str(error.user_message)
        reject()
    return sc.v1.checkout.sessions.retrieve(
        created.id, {"expand": ["line_items.data.taxes", "total_details.breakdown"]}
    )


def _check_rounding(item: Any, step: int) -> None:
    base = item.amount_subtotal - item.amount_discount
    included = sum(Fraction(str(t.rate.percentage)) for t in item.taxes if t.rate.inclusive)
    inclusive_taxes = [t for t in item.taxes if t.rate.inclusive]
    for tax in inclusive_taxes:
        exact = base * Fraction(str(tax.rate.percentage)) / (100 + included)
        assert abs(tax.amount - exact) <= Fraction(step, 2)
    taxable = base - sum(t.amount for t in inclusive_taxes)
    for tax in item.taxes:
        assert tax.taxable_amount == taxable
        if not tax.rate.inclusive:
            exact = taxable * Fraction(str(tax.rate.percentage)) / 100
            assert abs(tax.amount - exact) <= Fraction(step, 2)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(basket=baskets())
def test_totals_hold_together(
    basket: dict[str, Any], sc: stripe.StripeClient, emulator: EmulatorServer
) -> None:
    session = _create(sc, basket)
    step = basket["step"]
    details = session.total_details
    assert details is not None and details.breakdown is not None
    items = session.line_items.data if session.line_items else []
    shipping = session.shipping_cost
    shipping_total = shipping.amount_total if shipping else 0
    exclusive = sum(t.amount for i in items for t in i.taxes if not t.rate.inclusive)
    after_discount = sum(i.amount_subtotal - i.amount_discount for i in items)
    assert session.amount_total == after_discount + exclusive + shipping_total
    assert session.amount_total == sum(i.amount_total for i in items) + shipping_total
    assert sum(i.amount_discount for i in items) == details.amount_discount
    assert sum(i.amount_tax for i in items) == details.amount_tax
    assert sum(t.amount for t in details.breakdown.taxes) == details.amount_tax
    assert sum(d.amount for d in details.breakdown.discounts) == details.amount_discount
    for item in items:
        assert item.amount_tax == sum(t.amount for t in item.taxes)
        assert all(t.amount >= 0 and (t.taxable_amount or 0) >= 0 for t in item.taxes)
        assert item.amount_total >= 0 and item.amount_discount <= item.amount_subtotal
        _check_rounding(item, step)
    amounts = [session.amount_total, details.amount_tax, details.amount_discount]
    assert all(a >= 0 and a % step == 0 for a in amounts)
    if session.amount_total > 0:
        emulator.complete_session(session.id, "paid")
        paid = sc.v1.checkout.sessions.retrieve(session.id)
        intent = sc.v1.payment_intents.retrieve(str(paid.payment_intent))
        charge = sc.v1.charges.retrieve(str(intent.latest_charge))
        assert intent.amount == charge.amount == session.amount_total
