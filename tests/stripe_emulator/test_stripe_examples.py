"""Every object the emulator returns has the shape of Stripe's own example of that object.

The examples are Stripe's published OpenAPI fixtures (`fixtures/stripe_examples.json`, see
`fixtures/README.md`). For each object and every nested object: the same keys (a field Stripe
leaves out is left out, not sent as null), the same JSON types, and null only where Stripe's
field is nullable. An example shows a key with a value even when the field may be null, so
nullability comes from the SDK: Stripe's generator types a field `Optional` when it is
nullable or optional, and every key of an example is one that Stripe always sends, so
`Optional` there means nullable.

A few keys are sent by Stripe only in some situations (an expanded list, an error's details,
the secret in a create answer); each is listed below with its situation.
"""

from __future__ import annotations

import json
import types
import typing
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from vitrina.stripe_emulator.testing import EmulatorServer

from .conftest import SDK, make_price, session_params

EXAMPLES: dict[str, Any] = json.loads(
    (Path(__file__).parent / "fixtures" / "stripe_examples.json").read_text()
)
SDK_CLASSES: dict[str, type] = {
    "product": stripe.Product,
    "price": stripe.Price,
    "coupon": stripe.Coupon,
    "promotion_code": stripe.PromotionCode,
    "shipping_rate": stripe.ShippingRate,
    "checkout.session": stripe.checkout.Session,
    "item": stripe.LineItem,
    "payment_intent": stripe.PaymentIntent,
    "charge": stripe.Charge,
    "refund": stripe.Refund,
    "event": stripe.Event,
    "webhook_endpoint": stripe.WebhookEndpoint,
    "customer": stripe.Customer,
    "payment_method": stripe.PaymentMethod,
}
SENT_ONLY_WHEN: dict[str, tuple[frozenset[str], str]] = {
    "webhook_endpoint": (frozenset({"secret"}), "the signing secret, in the create answer"),
    "event.data": (frozenset({"previous_attributes"}), "on *.updated events"),
    "payment_intent.last_payment_error": (
        frozenset({"charge", "code", "decline_code", "doc_url", "message", "param"})
        | {"payment_method"},
        "the details of the error that occurred",
    ),
    "payment_intent.next_action": (
        frozenset({"redirect_to_url"}),
        "the details of the action that `type` names",
    ),
    "customer": (frozenset({"business_name", "individual_name"}), "when they are set"),
    "checkout.session": (
        frozenset({"tax_id_collection", "excluded_payment_method_types"})
        | {"return_url", "redirect_on_completion"},
        "when the session was created with them (or is embedded)",
    ),
}
LEFT_OUT_UNLESS_EXPANDED: dict[str, frozenset[str]] = {
    "charge": frozenset({"refunds"}),  # includable since API version 2022-11-15
}


def _annotation(cls: type | None, key: str) -> Any:
    if cls is None:
        return None
    for klass in cls.__mro__:
        found = getattr(klass, "__annotations__", {}).get(key)
        if found is not None:
            return found
    return None


def _nullable(annotation: Any) -> bool:
    return type(None) in typing.get_args(annotation)


def _inner(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def _nested_class(annotation: Any) -> type | None:
    for option in _inner(annotation):
        if typing.get_origin(option) in (list, typing.List):  # noqa: UP006
            option = typing.get_args(option)[0]
        if isinstance(option, type) and issubclass(option, stripe.StripeObject):
            return option
    return None


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


class Comparison:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.compared: Counter[str] = Counter()

    def object(self, ours: dict[str, Any]) -> None:
        kind = ours["object"]
        if ours.get("deleted"):
            kind = f"deleted_{kind}"
        assert kind in EXAMPLES, f"no Stripe example for {kind}"
        self.compared[kind] += 1
        self._dict(ours, EXAMPLES[kind], SDK_CLASSES.get(kind), kind)

    def _dict(
        self, ours: dict[str, Any], example: dict[str, Any], cls: type | None, at: str
    ) -> None:
        allowed, _why = SENT_ONLY_WHEN.get(at, (frozenset(), ""))
        extra = set(ours) - set(example) - allowed
        missing = set(example) - set(ours) - LEFT_OUT_UNLESS_EXPANDED.get(at, frozenset())
        if extra:
            self.problems.append(f"{at}: Stripe does not send {sorted(extra)}")
        if missing:
            self.problems.append(f"{at}: Stripe sends {sorted(missing)}")
        for key in sorted(set(ours) & set(example)):
            self._value(ours[key], example[key], cls, key, f"{at}.{key}")

    def _value(self, ours: Any, example: Any, cls: type | None, key: str, at: str) -> None:
        annotation = _annotation(cls, key)
        if key == "metadata" or example == {}:
            return
        if isinstance(ours, dict) and str(ours.get("object")) in EXAMPLES and "id" in ours:
            self.object(ours)
            return
        if ours is None:
            if example is not None and not _nullable(annotation):
                self.problems.append(f"{at}: null, but Stripe's field is not nullable")
            return
        if example is None:
            return
        if _json_type(ours) != _json_type(example):
            self.problems.append(f"{at}: {_json_type(ours)}, Stripe sends {_json_type(example)}")
            return
        if isinstance(example, int) and isinstance(ours, float) and float not in _inner(annotation):
            self.problems.append(f"{at}: a decimal, Stripe sends an integer")
        if isinstance(ours, dict):
            self._dict(ours, example, _nested_class(annotation), at)
        elif isinstance(ours, list) and ours and example:
            self._value(ours[0], example[0], cls, key, at)


def _raw(obj: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(str(obj))
    return data


def test_every_object_has_the_shape_of_stripes_example(
    sc: stripe.StripeClient, emulator: EmulatorServer, http: httpx.Client
) -> None:
    seen: list[Any] = []
    endpoint = sc.v1.webhook_endpoints.create(
        {"url": "http://127.0.0.1:9/h", "enabled_events": ["*"]}
    )
    seen += [endpoint, sc.v1.webhook_endpoints.retrieve(endpoint.id)]
    price = make_price(sc, 2000)
    product = sc.v1.products.update(str(price.product), {"metadata": {"sku": "TEA-1"}})
    coupon = sc.v1.coupons.create({"percent_off": 10, "max_redemptions": 5})
    amount_coupon = sc.v1.coupons.create({"amount_off": 100, "currency": "usd"})
    promo = sc.v1.promotion_codes.create({"promotion": {"type": "coupon", "coupon": coupon.id}})
    rate = sc.v1.shipping_rates.create(
        {"display_name": "Post", "fixed_amount": {"amount": 100, "currency": "usd"}}
    )
    customer = sc.v1.customers.create(
        {
            "email": "ann@example.com",
            "name": "Ann",
            "address": {"line1": "1 Main St", "city": "Riga", "country": "LV"},
            "shipping": {"name": "Ann", "address": {"line1": "1 Main St", "country": "LV"}},
        }
    )
    seen += [product, price, coupon, amount_coupon, promo, rate, customer]
    paid = sc.v1.checkout.sessions.create(
        session_params(
            price.id,
            discounts=[{"promotion_code": promo.id}],
            shipping_options=[{"shipping_rate": rate.id}],
            shipping_address_collection={"allowed_countries": ["US"]},
            customer_email="buyer@example.com",
        )
    )
    seen += [paid, *sc.v1.checkout.sessions.line_items.list(paid.id).data]
    declined = http.post(
        f"/_emulator/checkout/sessions/{paid.id}/complete",
        json={"outcome": "declined", "card": "4000000000000127"},
    )
    assert declined.status_code == 402
    emulator.complete_session(paid.id, "paid")
    for_customer = sc.v1.checkout.sessions.create(session_params(price.id, customer=customer.id))
    seen.append(for_customer)
    emulator.complete_session(for_customer.id, "paid", card="4000002760003184")
    pending = sc.v1.checkout.sessions.create(session_params(price.id))
    emulator.complete_session(pending.id, "unpaid")
    seen += [sc.v1.checkout.sessions.retrieve(s.id) for s in (paid, for_customer, pending)]
    seen += sc.v1.payment_intents.list().data + sc.v1.charges.list().data
    seen += [sc.v1.payment_methods.retrieve(str(c.payment_method)) for c in sc.v1.charges.list()]
    paid_intent = sc.v1.checkout.sessions.retrieve(paid.id).payment_intent
    charge = sc.v1.charges.list({"payment_intent": str(paid_intent)}).data[0]
    seen.append(sc.v1.refunds.create({"charge": charge.id, "amount": 100}))
    seen.append(
        sc.v1.checkout.sessions.expire(sc.v1.checkout.sessions.create(session_params(price.id)).id)
    )
    throwaway = sc.v1.products.create({"name": "Gone"})
    seen += [
        sc.v1.products.delete(throwaway.id),
        sc.v1.coupons.delete(amount_coupon.id),
        sc.v1.webhook_endpoints.delete(endpoint.id),
        sc.v1.customers.delete(sc.v1.customers.create({"email": "gone@example.com"}).id),
    ]
    seen += sc.v1.events.list({"limit": 100}).data
    comparison = Comparison()
    for obj in seen:
        comparison.object(_raw(obj))
    assert not comparison.problems, "\n".join(comparison.problems)
    assert set(comparison.compared) == set(EXAMPLES), set(EXAMPLES) - set(comparison.compared)


async def _paid_charge(sdk: SDK, emulator: EmulatorServer) -> stripe.Charge:
    price = make_price(emulator.client(), 900)
    session = await sdk(sdk.client.v1.checkout.sessions.create, session_params(price.id))
    emulator.complete_session(session.id, "paid")
    charges = await sdk(sdk.client.v1.charges.list)
    charge: stripe.Charge = charges.data[0]
    return charge


async def test_charge_refunds_only_when_expanded(sdk: SDK, emulator: EmulatorServer) -> None:
    charge = await _paid_charge(sdk, emulator)
    refund = await sdk(sdk.client.v1.refunds.create, {"charge": charge.id, "amount": 300})
    assert "refunds" not in _raw(await sdk(sdk.client.v1.charges.retrieve, charge.id))
    expanded = await sdk(sdk.client.v1.charges.retrieve, charge.id, {"expand": ["refunds"]})
    assert expanded.refunds is not None
    assert [r.id for r in expanded.refunds.data] == [refund.id]
    comparison = Comparison()
    comparison.object(_raw(expanded))
    assert not comparison.problems, comparison.problems


async def test_fields_stripe_leaves_out_are_left_out(sdk: SDK, emulator: EmulatorServer) -> None:
    """The issue's list: absent, not null (reading them raises AttributeError as on Stripe)."""
    charge = await _paid_charge(sdk, emulator)
    refund = await sdk(sdk.client.v1.refunds.create, {"charge": charge.id})
    event = (await sdk(sdk.client.v1.events.list)).data[0]
    for obj, fields in (
        (event, ("account", "context")),
        (refund, ("failure_reason", "next_action", "failure_balance_transaction")),
        (charge, ("transfer",)),
        (charge.outcome, ("rule", "risk_level", "risk_score")),
    ):
        for name in fields:
            assert name not in _raw(obj), name
            with pytest.raises(AttributeError):
                getattr(obj, name)
    card = charge.payment_method_details and charge.payment_method_details.card
    assert card is not None
    assert (card.checks and card.checks.cvc_check) == "pass"
    assert (card.exp_month, card.exp_year, card.funding, card.country) == (12, 2034, "credit", "US")
    assert card.fingerprint and card.network == "visa" and card.three_d_secure is None
