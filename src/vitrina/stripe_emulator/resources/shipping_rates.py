"""Shipping rates (fixed amount), referenced by id from a session's `shipping_options`."""

from __future__ import annotations

from typing import Any

from vitrina.stripe_emulator.listing import paginate
from vitrina.stripe_emulator.resources.common import merge_metadata
from vitrina.stripe_emulator.resources.session_create import build_rate
from vitrina.stripe_emulator.state import Ctx
from vitrina.stripe_emulator.store import StripeObject


def create(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    rate = build_rate(ctx, params, "")
    rate["active"] = params.get("active", True) if "active" in params else True
    return ctx.state.shipping_rates.add(rate)


def retrieve(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    return ctx.state.shipping_rates.get(object_id)


def update(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    rate = ctx.state.shipping_rates.get(object_id)
    if "active" in params:
        rate["active"] = params["active"]
    rate["metadata"] = merge_metadata(rate["metadata"], params.get("metadata"))
    return rate


def list_(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    rows = ctx.state.shipping_rates.newest_first()
    if "active" in params:
        rows = [r for r in rows if r["active"] == params["active"]]
    return paginate(rows, params, "/v1/shipping_rates", kind="shipping_rate")
