"""Tax Rates: made once, applied to Checkout line items as `tax_rates`.

`percentage` and `inclusive` are fixed at creation (the SDK's update params do not have
them, so sending them is `parameter_unknown`, as on Stripe); `display_name`, `description`,
`country`, `state`, `jurisdiction`, `tax_type`, `active` and `metadata` change later. An
archived rate (`active=false`) cannot be applied to new sessions but stays on old ones.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from babel import Locale

from vitrina.stripe_emulator.errors import invalid
from vitrina.stripe_emulator.ids import new_id
from vitrina.stripe_emulator.listing import paginate
from vitrina.stripe_emulator.resources.common import (
    merge_metadata,
    missing_reference,
    unset_to_none,
)
from vitrina.stripe_emulator.state import Ctx
from vitrina.stripe_emulator.store import StripeObject, atomic

DISPLAY_NAME_LENGTH = 50
JURISDICTION_LENGTH = 50
PERCENTAGE_PLACES = 4
_TEXT = ("description", "jurisdiction", "tax_type", "state")


@cache
def countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes (from CLDR, through Babel)."""
    return frozenset(
        code for code in Locale("en").territories if isinstance(code, str) and len(code) == 2
    )


def country(value: str, param: str) -> str:
    if value not in countries():
        raise invalid(
            f"Invalid country: {value}. Use a two-letter ISO 3166-1 code such as DE.", param=param
        )
    return value


def _percentage(value: Decimal) -> float:
    if not Decimal(0) <= value <= Decimal(100):
        raise invalid("Invalid percentage: must be between 0 and 100.", param="percentage")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > PERCENTAGE_PLACES:
        raise invalid(
            f"Invalid percentage: at most {PERCENTAGE_PLACES} decimal places.",
            param="percentage",
        )
    return float(value)


def _display_name(value: str) -> str:
    if not value.strip() or len(value) > DISPLAY_NAME_LENGTH:
        raise invalid(
            f"display_name must be 1 to {DISPLAY_NAME_LENGTH} characters.", param="display_name"
        )
    return value


def _jurisdiction(value: str | None) -> str | None:
    if value is not None and len(value) > JURISDICTION_LENGTH:
        raise invalid(
            f"jurisdiction must be at most {JURISDICTION_LENGTH} characters.",
            param="jurisdiction",
        )
    return value


def build(
    ctx: Ctx,
    *,
    display_name: str,
    percentage: float,
    inclusive: bool,
    country: str | None = None,
    state: str | None = None,
    tax_type: str | None = None,
    jurisdiction: str | None = None,
    description: str | None = None,
    active: bool = True,
    jurisdiction_level: str | None = None,
    effective_percentage: float | None = None,
) -> StripeObject:
    """A Tax Rate object. `jurisdiction_level` and `effective_percentage` are set only on the
    rates Stripe Tax makes for `automatic_tax` (null on manual rates, as Stripe documents)."""
    return {
        "id": new_id("txr"),
        "object": "tax_rate",
        "active": active,
        "country": country,
        "created": ctx.now,
        "description": description,
        "display_name": display_name,
        "effective_percentage": effective_percentage,
        "flat_amount": None,
        "inclusive": inclusive,
        "jurisdiction": jurisdiction,
        "jurisdiction_level": jurisdiction_level,
        "livemode": False,
        "metadata": {},
        "percentage": percentage,
        "rate_type": "percentage",
        "state": state,
        "tax_type": tax_type,
    }


def create(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    rate = build(
        ctx,
        display_name=_display_name(params["display_name"]),
        percentage=_percentage(params["percentage"]),
        inclusive=params["inclusive"],
        country=country(params["country"], "country") if "country" in params else None,
        state=params.get("state"),
        tax_type=params.get("tax_type"),
        jurisdiction=_jurisdiction(params.get("jurisdiction")),
        description=params.get("description"),
        active=params.get("active", True),
    )
    rate["metadata"] = merge_metadata({}, params.get("metadata"))
    ctx.state.tax_rates.add(rate)
    ctx.emit("tax_rate.created", rate)
    return rate


def retrieve(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    return ctx.state.tax_rates.get(object_id)


def update(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    rate = ctx.state.tax_rates.get(object_id)
    with atomic(rate) as before:
        if "display_name" in params:
            rate["display_name"] = _display_name(params["display_name"])
        if "active" in params:
            rate["active"] = params["active"]
        if "country" in params:
            code = unset_to_none(params["country"])
            rate["country"] = None if code is None else country(code, "country")
        for key in _TEXT:
            if key in params:
                rate[key] = unset_to_none(params[key])
        rate["jurisdiction"] = _jurisdiction(rate["jurisdiction"])
        rate["metadata"] = merge_metadata(rate["metadata"], params.get("metadata"))
    ctx.emit_updated("tax_rate.updated", before, rate)
    return rate


def list_(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    rows = ctx.state.tax_rates.newest_first()
    for key in ("active", "inclusive"):
        if key in params:
            rows = [r for r in rows if r[key] == params[key]]
    return paginate(rows, params, "/v1/tax_rates", kind="tax_rate")


def applicable(ctx: Ctx, rate_id: str, param: str) -> StripeObject:
    """A live, active rate for a new session's line item."""
    rate = ctx.state.tax_rates.find(rate_id)
    if rate is None:
        raise missing_reference("tax_rate", rate_id, param)
    if not rate["active"]:
        raise invalid(
            f"The tax rate `{rate_id}` is archived (active=false); archived tax rates cannot "
            "be applied to new objects.",
            param=param,
        )
    return rate
