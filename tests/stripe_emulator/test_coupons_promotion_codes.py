"""Coupons (fixed fields, bounds, validity) and promotion codes (unique, deactivated)."""

from __future__ import annotations

import time

import pytest
import stripe

from vitrina.stripe_emulator.testing import EmulatorServer

from .conftest import SDK, make_price, session_params


def test_coupon_create_and_custom_id(sc: stripe.StripeClient) -> None:
    coupon = sc.v1.coupons.create({"id": "SUMMER22", "percent_off": 22.0, "duration": "once"})
    assert (coupon.id, coupon.percent_off, coupon.valid, coupon.times_redeemed) == (
        "SUMMER22",
        22.0,
        True,
        0,
    )
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.coupons.create({"id": "SUMMER22", "percent_off": 10})
    assert raised.value.code == "resource_already_exists"


@pytest.mark.parametrize("percent", [0, -5, 100.5, 150])
def test_percent_off_bounds(sc: stripe.StripeClient, percent: float) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.coupons.create({"percent_off": percent})
    assert raised.value.param == "percent_off"


def test_percent_off_upper_bound_is_inclusive(sc: stripe.StripeClient) -> None:
    assert sc.v1.coupons.create({"percent_off": 100}).percent_off == 100


def test_amount_off_needs_currency_and_one_kind(sc: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.coupons.create({"amount_off": 500})
    assert raised.value.param == "currency"
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.coupons.create({"amount_off": 500, "percent_off": 5, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.coupons.create({"duration": "repeating", "percent_off": 5})
    coupon = sc.v1.coupons.create({"amount_off": 500, "currency": "usd"})
    assert (coupon.amount_off, coupon.currency, coupon.percent_off) == (500, "usd", None)


def test_redeem_by_limits(sc: stripe.StripeClient) -> None:
    now = int(time.time())
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.coupons.create({"percent_off": 5, "redeem_by": now + 6 * 365 * 24 * 3600})
    assert raised.value.param == "redeem_by"
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.coupons.create({"percent_off": 5, "redeem_by": now - 10})
    assert sc.v1.coupons.create({"percent_off": 5, "redeem_by": now + 4 * 365 * 24 * 3600}).valid


@pytest.mark.parametrize(
    "field,value",
    [("percent_off", 50), ("redeem_by", 2000000000), ("amount_off", 5), ("duration", "forever")],
)
def test_coupon_fields_are_immutable(sc: stripe.StripeClient, field: str, value: object) -> None:
    coupon = sc.v1.coupons.create({"percent_off": 10})
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.coupons.update(coupon.id, {field: value})
    assert raised.value.code == "parameter_unknown"
    assert raised.value.param == field
    assert sc.v1.coupons.retrieve(coupon.id).percent_off == 10


def test_coupon_name_and_metadata_update(sc: stripe.StripeClient) -> None:
    coupon = sc.v1.coupons.create({"percent_off": 10, "name": "Ten"})
    updated = sc.v1.coupons.update(coupon.id, {"name": "Ten off", "metadata": {"k": "v"}})
    assert (updated.name, updated.metadata.to_dict()) == ("Ten off", {"k": "v"})


def test_coupon_becomes_invalid_after_redeem_by(
    emulator: EmulatorServer, sc: stripe.StripeClient
) -> None:
    redeem_by = int(time.time()) + 3600
    coupon = sc.v1.coupons.create({"percent_off": 10, "redeem_by": redeem_by})
    price = make_price(sc)
    emulator.control("POST", "clock/advance", {"seconds": 7200})
    assert sc.v1.coupons.retrieve(coupon.id).valid is False
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.checkout.sessions.create(session_params(price.id, discounts=[{"coupon": coupon.id}]))
    assert raised.value.param == "discounts[0][coupon]"


def test_max_redemptions_and_deleted_coupon(
    emulator: EmulatorServer, sc: stripe.StripeClient
) -> None:
    price = make_price(sc)
    coupon = sc.v1.coupons.create({"percent_off": 10, "max_redemptions": 1})
    first = sc.v1.checkout.sessions.create(
        session_params(price.id, discounts=[{"coupon": coupon.id}])
    )
    emulator.control("POST", f"checkout/sessions/{first.id}/complete", {"outcome": "paid"})
    spent = sc.v1.coupons.retrieve(coupon.id)
    assert (spent.times_redeemed, spent.valid) == (1, False)
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.checkout.sessions.create(session_params(price.id, discounts=[{"coupon": coupon.id}]))
    other = sc.v1.coupons.create({"percent_off": 10})
    assert sc.v1.coupons.delete(other.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.checkout.sessions.create(session_params(price.id, discounts=[{"coupon": other.id}]))
    assert raised.value.code == "resource_missing"


def test_promotion_code_create_find_and_uniqueness(sc: stripe.StripeClient) -> None:
    coupon = sc.v1.coupons.create({"percent_off": 15})
    promo = sc.v1.promotion_codes.create(
        {"promotion": {"type": "coupon", "coupon": coupon.id}, "code": "Spring-15"}
    )
    assert promo.id.startswith("promo_") and promo.active is True
    assert promo.promotion.coupon == coupon.id and promo.promotion.type == "coupon"
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.promotion_codes.create(
            {"promotion": {"type": "coupon", "coupon": coupon.id}, "code": "SPRING-15"}
        )
    assert raised.value.code == "resource_already_exists"
    found = sc.v1.promotion_codes.list({"code": "spring-15"})
    assert [p.id for p in found.data] == [promo.id]
    assert [p.id for p in sc.v1.promotion_codes.list({"coupon": coupon.id}).data] == [promo.id]
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.promotion_codes.create(
            {"promotion": {"type": "coupon", "coupon": coupon.id}, "code": "no spaces!"}
        )
    assert raised.value.param == "code"


def test_promotion_code_deactivate_frees_the_code(sc: stripe.StripeClient) -> None:
    coupon = sc.v1.coupons.create({"percent_off": 15})
    promotion = {"type": "coupon", "coupon": coupon.id}
    old = sc.v1.promotion_codes.create({"promotion": promotion, "code": "WELCOME"})
    assert sc.v1.promotion_codes.update(old.id, {"active": False}).active is False
    new = sc.v1.promotion_codes.create({"promotion": promotion, "code": "welcome"})
    assert new.active
    with pytest.raises(stripe.InvalidRequestError):
        sc.v1.promotion_codes.update(old.id, {"active": True})
    assert [p.id for p in sc.v1.promotion_codes.list({"active": True}).data] == [new.id]


def test_promotion_code_requires_existing_coupon(sc: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.promotion_codes.create({"promotion": {"type": "coupon", "coupon": "nope"}})
    assert raised.value.param == "promotion[coupon]"
    with pytest.raises(stripe.InvalidRequestError) as raised:
        sc.v1.promotion_codes.create({})
    assert (raised.value.code, raised.value.param) == ("parameter_missing", "promotion")


async def test_promotion_code_cannot_outlast_its_coupon(sdk: SDK) -> None:
    coupon = await sdk(sdk.client.v1.coupons.create, {"percent_off": 15, "max_redemptions": 3})
    promotion = {"type": "coupon", "coupon": coupon.id}
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await sdk(
            sdk.client.v1.promotion_codes.create, {"promotion": promotion, "max_redemptions": 4}
        )
    assert (refused.value.http_status, refused.value.param) == (400, "max_redemptions")
    equal = await sdk(
        sdk.client.v1.promotion_codes.create, {"promotion": promotion, "max_redemptions": 3}
    )
    assert equal.max_redemptions == 3
    unlimited = await sdk(sdk.client.v1.coupons.create, {"percent_off": 15})
    roomy = await sdk(
        sdk.client.v1.promotion_codes.create,
        {"promotion": {"type": "coupon", "coupon": unlimited.id}, "max_redemptions": 1000},
    )
    assert roomy.max_redemptions == 1000
