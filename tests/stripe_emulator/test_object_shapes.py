"""Every object carries every field its SDK resource class declares (drift detector).

Stripe leaves a few fields out unless they are expanded ("includable") or the object is
deleted; those are listed here, and everything else must be present, nulls included.
"""

from __future__ import annotations

from typing import Any

import stripe

from vitrina.stripe_emulator.testing import EmulatorServer

from .conftest import make_price, session_params

NOT_SENT_BY_STRIPE: dict[type, set[str]] = {
    stripe.Product: {"deleted"},
    stripe.Price: {"deleted", "currency_options", "tiers"},
    stripe.Coupon: {"deleted", "applies_to", "currency_options"},
    stripe.checkout.Session: {"line_items"},
    stripe.Charge: {"refunds"},
    stripe.WebhookEndpoint: {"deleted", "secret"},
    stripe.LineItem: {"discounts", "taxes"},
}


def declared_fields(cls: type) -> set[str]:
    return {name for name in cls.__annotations__ if name != "OBJECT_NAME"}


def assert_complete(obj: Any, cls: type) -> None:
    assert isinstance(obj, cls), f"{type(obj).__name__} is not {cls.__name__}"
    expected = declared_fields(cls) - NOT_SENT_BY_STRIPE.get(cls, set())
    missing = expected - set(obj.to_dict().keys())
    assert not missing, f"{cls.__name__} lacks {sorted(missing)}"
    assert obj["object"] == cls.OBJECT_NAME


def test_every_resource_has_every_declared_field(
    sc: stripe.StripeClient, emulator: EmulatorServer
) -> None:
    endpoint = sc.v1.webhook_endpoints.create(
        {"url": "http://127.0.0.1:9/h", "enabled_events": ["*"]}
    )
    assert endpoint.secret is not None and endpoint.secret.startswith("whsec_")
    assert_complete(endpoint, stripe.WebhookEndpoint)
    assert_complete(sc.v1.webhook_endpoints.retrieve(endpoint.id), stripe.WebhookEndpoint)
    price = make_price(sc, 2000)
    assert_complete(sc.v1.products.retrieve(str(price.product)), stripe.Product)
    assert_complete(price, stripe.Price)
    coupon = sc.v1.coupons.create({"percent_off": 10})
    assert_complete(coupon, stripe.Coupon)
    promo = sc.v1.promotion_codes.create({"promotion": {"type": "coupon", "coupon": coupon.id}})
    assert_complete(promo, stripe.PromotionCode)
    session = sc.v1.checkout.sessions.create(
        session_params(price.id, discounts=[{"promotion_code": promo.id}])
    )
    assert_complete(session, stripe.checkout.Session)
    for item in sc.v1.checkout.sessions.line_items.list(session.id).data:
        assert_complete(item, stripe.LineItem)
    emulator.control("POST", f"checkout/sessions/{session.id}/complete", {"outcome": "paid"})
    done = sc.v1.checkout.sessions.retrieve(session.id, {"expand": ["payment_intent"]})
    assert_complete(done, stripe.checkout.Session)
    intent = done.payment_intent
    assert isinstance(intent, stripe.PaymentIntent)
    assert_complete(intent, stripe.PaymentIntent)
    charge = sc.v1.charges.retrieve(str(intent.latest_charge))
    assert_complete(charge, stripe.Charge)
    refund = sc.v1.refunds.create({"payment_intent": intent.id, "amount": 100})
    assert_complete(refund, stripe.Refund)
    events = sc.v1.events.list({"limit": 100}).data
    assert events
    for event in events:
        assert_complete(event, stripe.Event)
    session_event = next(e for e in events if e.type == "checkout.session.completed")
    assert_complete(session_event.data.object, stripe.checkout.Session)


def test_session_nested_objects_are_complete(sc: stripe.StripeClient) -> None:
    price = make_price(sc)
    session = sc.v1.checkout.sessions.create(session_params(price.id))
    nested = {
        "total_details": stripe.checkout.Session.TotalDetails,
        "automatic_tax": stripe.checkout.Session.AutomaticTax,
        "custom_text": stripe.checkout.Session.CustomText,
        "invoice_creation": stripe.checkout.Session.InvoiceCreation,
        "phone_number_collection": stripe.checkout.Session.PhoneNumberCollection,
        "tax_id_collection": stripe.checkout.Session.TaxIdCollection,
    }
    for field, cls in nested.items():
        expected = declared_fields(cls) - ({"breakdown"} if field == "total_details" else set())
        assert expected <= set(session[field].to_dict().keys()), field


def assert_nested(obj: Any, cls: type, skip: frozenset[str] = frozenset()) -> None:
    assert obj is not None, cls.__name__
    expected = declared_fields(cls) - skip
    missing = expected - set(obj.to_dict().keys())
    assert not missing, f"{cls.__name__} lacks {sorted(missing)}"


def test_nested_objects_after_payment_are_complete(
    sc: stripe.StripeClient, emulator: EmulatorServer
) -> None:
    Session = stripe.checkout.Session
    price = make_price(sc, 800)
    coupon = sc.v1.coupons.create({"percent_off": 10})
    promo = sc.v1.promotion_codes.create({"promotion": {"type": "coupon", "coupon": coupon.id}})
    assert_nested(promo.promotion, stripe.PromotionCode.Promotion)
    assert_nested(promo.restrictions, stripe.PromotionCode.Restrictions)
    rate = sc.v1.shipping_rates.create(
        {"display_name": "Post", "fixed_amount": {"amount": 100, "currency": "usd"}}
    )
    assert_complete(rate, stripe.ShippingRate)
    assert_nested(
        rate.fixed_amount, stripe.ShippingRate.FixedAmount, frozenset({"currency_options"})
    )
    session = sc.v1.checkout.sessions.create(
        session_params(
            price.id,
            discounts=[{"promotion_code": promo.id}],
            shipping_options=[{"shipping_rate": rate.id}],
            shipping_address_collection={"allowed_countries": ["US"]},
        )
    )
    assert_nested(session.shipping_cost, Session.ShippingCost, frozenset({"taxes"}))
    assert session.discounts
    assert_nested(session.discounts[0], Session.Discount)
    emulator.control("POST", f"checkout/sessions/{session.id}/complete", {"outcome": "paid"})
    done = sc.v1.checkout.sessions.retrieve(session.id)
    assert_nested(done.customer_details, Session.CustomerDetails)
    assert done.customer_details is not None
    assert_nested(done.customer_details.address, Session.CustomerDetails.Address)
    assert_nested(done.collected_information, Session.CollectedInformation)
    assert done.collected_information is not None
    assert_nested(
        done.collected_information.shipping_details, Session.CollectedInformation.ShippingDetails
    )
    charge = sc.v1.charges.list().data[0]
    assert_nested(charge.outcome, stripe.Charge.Outcome)
    assert_nested(charge.billing_details, stripe.Charge.BillingDetails)
    refund = sc.v1.refunds.create({"charge": charge.id})
    assert refund.destination_details is not None
    assert_nested(refund.destination_details.card, stripe.Refund.DestinationDetails.Card)
    event = sc.v1.events.list().data[0]
    assert_nested(event.request, stripe.Event.Request)
