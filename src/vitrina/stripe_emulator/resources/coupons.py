"""Coupons: percent or amount off; only name, metadata and currency options change later."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from vitrina.stripe_emulator.errors import already_exists, invalid
from vitrina.stripe_emulator.ids import random_part
from vitrina.stripe_emulator.listing import paginate
from vitrina.stripe_emulator.resources.common import (
    chargeable,
    check_custom_id,
    currency,
    merge_metadata,
    positive,
    unset_to_none,
)
from vitrina.stripe_emulator.state import Ctx
from vitrina.stripe_emulator.store import StripeObject, atomic

FIVE_YEARS = 5 * 365 * 24 * 60 * 60 + 2 * 24 * 60 * 60
NAME_LENGTH = 40


def is_valid(coupon: StripeObject, now: int) -> bool:
    """Stripe's `valid`: not past `redeem_by`, `max_redemptions` not reached."""
    if coupon["redeem_by"] is not None and now > coupon["redeem_by"]:
        return False
    max_redemptions = coupon["max_redemptions"]
    return max_redemptions is None or coupon["times_redeemed"] < max_redemptions


def refresh(ctx: Ctx, coupon: StripeObject) -> StripeObject:
    coupon["valid"] = is_valid(coupon, ctx.now)
    return coupon


def _percent(value: Decimal) -> float:
    if not Decimal(0) < value <= Decimal(100):
        raise invalid(
            "Invalid percent_off: must be greater than 0 and less than or equal to 100.",
            param="percent_off",
        )
    return float(value)


def create(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    coupons = ctx.state.coupons
    object_id = check_custom_id(params["id"]) if "id" in params else random_part(8)
    if object_id in coupons:
        raise already_exists("Coupon already exists.")
    has_percent, has_amount = "percent_off" in params, "amount_off" in params
    if has_percent == has_amount:
        raise invalid(
            "You must pass exactly one of `percent_off` or `amount_off`.", param="percent_off"
        )
    percent_off = _percent(params["percent_off"]) if has_percent else None
    amount_off = positive(params["amount_off"], "amount_off") if has_amount else None
    coupon_currency = None
    if "currency" in params:
        coupon_currency = currency(params["currency"])
    if amount_off is not None and coupon_currency is None:
        raise invalid("You must pass currency when passing amount_off.", param="currency")
    if amount_off is not None and coupon_currency is not None:
        chargeable(amount_off, coupon_currency, "amount_off")
    duration = params.get("duration", "once")
    months = params.get("duration_in_months")
    if duration == "repeating" and months is None:
        raise invalid(
            "You must pass duration_in_months when duration is repeating.",
            param="duration_in_months",
        )
    if duration != "repeating" and months is not None:
        raise invalid(
            "duration_in_months can only be set when duration is repeating.",
            param="duration_in_months",
        )
    redeem_by = params.get("redeem_by")
    if redeem_by is not None:
        if redeem_by <= ctx.now:
            raise invalid("Invalid redeem_by: must be in the future.", param="redeem_by")
        if redeem_by > ctx.now + FIVE_YEARS:
            raise invalid(
                "Invalid redeem_by: must be no more than 5 years in the future.",
                param="redeem_by",
            )
    max_redemptions = params.get("max_redemptions")
    if max_redemptions is not None:
        positive(max_redemptions, "max_redemptions")
    name = params.get("name")
    if name is not None and len(name) > NAME_LENGTH:
        raise invalid(f"Invalid name: must be at most {NAME_LENGTH} characters.", param="name")
    coupon: StripeObject = {
        "id": object_id,
        "object": "coupon",
        "amount_off": amount_off,
        "created": ctx.now,
        "currency": coupon_currency,
        "duration": duration,
        "duration_in_months": months,
        "livemode": False,
        "max_redemptions": max_redemptions,
        "metadata": merge_metadata({}, params.get("metadata")),
        "name": name,
        "percent_off": percent_off,
        "redeem_by": redeem_by,
        "times_redeemed": 0,
        "valid": True,
    }
    options = _options(coupon, params.get("currency_options"))
    if options:
        ctx.state.currency_options[object_id] = options
    applies_to = params.get("applies_to")
    ctx.state.coupon_products[object_id] = (
        list(applies_to.get("products", [])) if applies_to else []
    )
    coupons.add(refresh(ctx, coupon))
    ctx.emit("coupon.created", coupon)
    return coupon


def _options(coupon: StripeObject, given: dict[str, Any] | None) -> dict[str, Any]:
    """`currency_options`: `amount_off` in other currencies, for `amount_off` coupons only."""
    if not given:
        return {}
    if coupon["amount_off"] is None:
        raise invalid(
            "currency_options can only be set on a coupon with amount_off.",
            param="currency_options",
        )
    found: dict[str, Any] = {}
    for code, option in given.items():
        where = f"currency_options[{code}]"
        option_currency = currency(code, where)
        if option_currency == coupon["currency"]:
            raise invalid(
                f"currency_options cannot contain the coupon's own currency ({code}).",
                param=where,
            )
        amount = positive(option["amount_off"], f"{where}[amount_off]")
        found[option_currency] = {
            "amount_off": chargeable(amount, option_currency, f"{where}[amount_off]")
        }
    return found


def amount_off_in(ctx: Ctx, coupon: StripeObject, code: str) -> int | None:
    """The coupon's `amount_off` in `code` (its own currency or a currency option)."""
    if coupon["currency"] == code:
        return int(coupon["amount_off"])
    option = ctx.state.currency_options.get(coupon["id"], {}).get(code)
    return None if option is None else int(option["amount_off"])


def retrieve(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    return refresh(ctx, ctx.state.coupons.get(object_id))


def update(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    coupon = refresh(ctx, ctx.state.coupons.get(object_id))
    with atomic(coupon) as before:
        if "name" in params:
            name = unset_to_none(params["name"])
            if name is not None and len(name) > NAME_LENGTH:
                raise invalid(
                    f"Invalid name: must be at most {NAME_LENGTH} characters.", param="name"
                )
            coupon["name"] = name
        coupon["metadata"] = merge_metadata(coupon["metadata"], params.get("metadata"))
        added = _options(coupon, params.get("currency_options"))
    if added:
        ctx.state.currency_options[object_id] = {
            **ctx.state.currency_options.get(object_id, {}),
            **added,
        }
    ctx.emit_updated("coupon.updated", before, coupon)
    return coupon


def delete(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    coupon = refresh(ctx, ctx.state.coupons.get(object_id))
    ctx.state.coupons.remove(object_id)
    ctx.emit("coupon.deleted", coupon)
    return {"id": object_id, "object": "coupon", "deleted": True}


def list_(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    rows = [refresh(ctx, c) for c in ctx.state.coupons.newest_first()]
    return paginate(rows, params, "/v1/coupons", kind="coupon")


def applies_to(ctx: Ctx, coupon: StripeObject) -> list[str]:
    """Product ids the coupon is limited to (empty: every product)."""
    return ctx.state.coupon_products.get(coupon["id"], [])
