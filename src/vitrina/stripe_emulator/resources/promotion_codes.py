"""Promotion codes: customer-facing codes for a coupon; deactivated, never deleted."""

from __future__ import annotations

import re
import secrets
import string
from typing import Any

from vitrina.stripe_emulator.errors import StripeError, invalid
from vitrina.stripe_emulator.ids import new_id
from vitrina.stripe_emulator.listing import paginate
from vitrina.stripe_emulator.resources import coupons
from vitrina.stripe_emulator.resources.common import (
    currency,
    merge_metadata,
    missing_reference,
    positive,
)
from vitrina.stripe_emulator.state import Ctx
from vitrina.stripe_emulator.store import StripeObject, atomic

_CODE = re.compile(r"^[A-Za-z0-9-]{1,500}$")


def _generated_code() -> str:
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(8))


def _check_code_free(ctx: Ctx, code: str, *, except_id: str | None = None) -> None:
    for other in ctx.state.promotion_codes:
        if other["active"] and other["code"].lower() == code.lower() and other["id"] != except_id:
            raise StripeError(
                400,
                f"An active promotion code with `code: {code}` already exists.",
                code="resource_already_exists",
                param="code",
            )


def is_redeemable(ctx: Ctx, promo: StripeObject) -> bool:
    if not promo["active"]:
        return False
    if promo["expires_at"] is not None and ctx.now > promo["expires_at"]:
        return False
    limit = promo["max_redemptions"]
    return limit is None or promo["times_redeemed"] < limit


def create(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    promotion = params["promotion"]
    if promotion.get("type") != "coupon" or "coupon" not in promotion:
        raise invalid(
            "promotion[type] must be `coupon` with promotion[coupon] set.",
            param="promotion[coupon]",
        )
    coupon_id = promotion["coupon"]
    coupon = ctx.state.coupons.find(coupon_id)
    if coupon is None:
        raise missing_reference("coupon", coupon_id, "promotion[coupon]")
    if not coupons.is_valid(coupon, ctx.now):
        raise invalid(f"Coupon `{coupon_id}` is no longer valid.", param="promotion[coupon]")
    code = params.get("code") or _generated_code()
    if not _CODE.match(code):
        raise invalid("Invalid code: may only contain letters, digits and dashes.", param="code")
    active = params.get("active", True)
    if active:
        _check_code_free(ctx, code)
    expires_at = params.get("expires_at")
    if expires_at is not None:
        if expires_at <= ctx.now:
            raise invalid("Invalid expires_at: must be in the future.", param="expires_at")
        if coupon["redeem_by"] is not None and expires_at > coupon["redeem_by"]:
            raise invalid(
                "The promotion code's expires_at cannot be later than the coupon's redeem_by.",
                param="expires_at",
            )
    max_redemptions = params.get("max_redemptions")
    if max_redemptions is not None:
        positive(max_redemptions, "max_redemptions")
        ceiling = coupon["max_redemptions"]
        if ceiling is not None and max_redemptions > ceiling:
            raise invalid(
                f"The promotion code's max_redemptions ({max_redemptions}) cannot exceed its "
                f"coupon's max_redemptions ({ceiling}).",
                param="max_redemptions",
            )
    promo: StripeObject = {
        "id": new_id("promo"),
        "object": "promotion_code",
        "active": active,
        "code": code,
        "created": ctx.now,
        "customer": params.get("customer"),
        "customer_account": params.get("customer_account"),
        "expires_at": expires_at,
        "livemode": False,
        "max_redemptions": max_redemptions,
        "metadata": merge_metadata({}, params.get("metadata")),
        "promotion": {"type": "coupon", "coupon": coupon_id},
        "restrictions": _restrictions(params.get("restrictions") or {}),
        "times_redeemed": 0,
    }
    ctx.state.promotion_codes.add(promo)
    ctx.emit("promotion_code.created", promo)
    return promo


def _restrictions(params: dict[str, Any]) -> StripeObject:
    minimum = params.get("minimum_amount")
    minimum_currency = params.get("minimum_amount_currency")
    if minimum is not None and minimum_currency is None:
        raise invalid(
            "minimum_amount_currency is required with minimum_amount.",
            param="restrictions[minimum_amount_currency]",
        )
    return {
        "first_time_transaction": params.get("first_time_transaction", False),
        "minimum_amount": minimum,
        "minimum_amount_currency": (
            currency(minimum_currency, "restrictions[minimum_amount_currency]")
            if minimum_currency
            else None
        ),
    }


def retrieve(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    return ctx.state.promotion_codes.get(object_id)


def update(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    promo = ctx.state.promotion_codes.get(object_id)
    with atomic(promo) as before:
        if params.get("active") is True and not promo["active"]:
            _check_code_free(ctx, promo["code"], except_id=promo["id"])
        if "active" in params:
            promo["active"] = params["active"]
        promo["metadata"] = merge_metadata(promo["metadata"], params.get("metadata"))
    ctx.emit_updated("promotion_code.updated", before, promo)
    return promo


def list_(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    rows = ctx.state.promotion_codes.newest_first()
    if "code" in params:
        rows = [p for p in rows if p["code"].lower() == params["code"].lower()]
    if "coupon" in params:
        rows = [p for p in rows if p["promotion"]["coupon"] == params["coupon"]]
    if "active" in params:
        rows = [p for p in rows if p["active"] == params["active"]]
    if "customer" in params:
        rows = [p for p in rows if p["customer"] == params["customer"]]
    return paginate(rows, params, "/v1/promotion_codes", kind="promotion_code")
