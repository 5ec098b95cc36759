"""Prices: immutable amounts, archive (never delete), the product's default price protected."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from vitrina.stripe_emulator import search
from vitrina.stripe_emulator.errors import already_exists, invalid
from vitrina.stripe_emulator.ids import new_id
from vitrina.stripe_emulator.listing import paginate
from vitrina.stripe_emulator.resources.common import (
    check_custom_id,
    currency,
    merge_metadata,
    missing_reference,
    non_negative,
    unset_to_none,
)
from vitrina.stripe_emulator.state import Ctx
from vitrina.stripe_emulator.store import StripeObject, atomic


def _amount(params: dict[str, Any], param: str) -> tuple[int, str]:
    if "unit_amount" in params and "unit_amount_decimal" in params:
        raise invalid(
            "You may only specify one of these parameters: unit_amount, unit_amount_decimal.",
            param=f"{param}[unit_amount_decimal]" if param else "unit_amount_decimal",
        )
    prefix = f"{param}[" if param else ""
    suffix = "]" if param else ""
    if "unit_amount" in params:
        amount = non_negative(params["unit_amount"], f"{prefix}unit_amount{suffix}")
        return amount, str(amount)
    if "unit_amount_decimal" in params:
        decimal = Decimal(str(params["unit_amount_decimal"]))
        if decimal < 0 or decimal != decimal.to_integral_value():
            raise invalid(
                "The emulator supports whole minor units only in unit_amount_decimal.",
                param=f"{prefix}unit_amount_decimal{suffix}",
            )
        return int(decimal), str(int(decimal))
    raise invalid(
        "Missing required param: unit_amount.",
        param=f"{prefix}unit_amount{suffix}",
        code="parameter_missing",
    )


def build(ctx: Ctx, params: dict[str, Any], product_id: str, *, param: str = "") -> StripeObject:
    unit_amount, unit_amount_decimal = _amount(params, param)
    recurring = params.get("recurring")
    if recurring is not None:
        recurring = {
            "interval": recurring["interval"],
            "interval_count": recurring.get("interval_count", 1),
            "meter": None,
            "trial_period_days": None,
            "usage_type": "licensed",
        }
    return {
        "id": new_id("price"),
        "object": "price",
        "active": params.get("active", True),
        "billing_scheme": "per_unit",
        "created": ctx.now,
        "currency": currency(params["currency"], f"{param}[currency]" if param else "currency"),
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": params.get("lookup_key"),
        "metadata": merge_metadata({}, params.get("metadata")),
        "nickname": params.get("nickname"),
        "product": product_id,
        "recurring": recurring,
        "tax_behavior": params.get("tax_behavior", "unspecified"),
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring" if recurring else "one_time",
        "unit_amount": unit_amount,
        "unit_amount_decimal": unit_amount_decimal,
    }


def create_for_product(ctx: Ctx, params: dict[str, Any], *, param: str = "") -> StripeObject:
    """Create and store a price for an existing product id (used by products and sessions)."""
    price = build(ctx, params, params["product"], param=param)
    _claim_lookup_key(ctx, price, params.get("lookup_key"), params.get("transfer_lookup_key"))
    return store(ctx, price)


def store(ctx: Ctx, price: StripeObject) -> StripeObject:
    ctx.state.prices.add(price)
    ctx.emit("price.created", price)
    return price


def create(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    from vitrina.stripe_emulator.resources import products

    has_product = "product" in params
    if has_product == ("product_data" in params):
        raise invalid(
            "You must specify exactly one of `product` or `product_data`.", param="product"
        )
    if has_product:
        if params["product"] not in ctx.state.products:
            raise missing_reference("product", params["product"], "product")
        return create_for_product(ctx, params)
    data = params["product_data"]
    product_id = check_custom_id(data["id"], "product_data[id]") if "id" in data else None
    if product_id is not None and product_id in ctx.state.products:
        raise already_exists("Product already exists.", param="product_data[id]")
    product = products.build(ctx, data, product_id or new_id("prod", 14))
    price = build(ctx, params, product["id"])
    _claim_lookup_key(ctx, price, params.get("lookup_key"), params.get("transfer_lookup_key"))
    ctx.state.products.add(product)
    ctx.emit("product.created", product)
    return store(ctx, price)


def _claim_lookup_key(
    ctx: Ctx, price: StripeObject, lookup_key: str | None, transfer: bool | None
) -> None:
    if not lookup_key:
        return
    for other in ctx.state.prices:
        if other["lookup_key"] == lookup_key and other["id"] != price["id"]:
            if not transfer:
                raise invalid(
                    f"A price (`{other['id']}`) already uses that lookup key.",
                    param="lookup_key",
                )
            other["lookup_key"] = None
    price["lookup_key"] = lookup_key


def retrieve(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    return ctx.state.prices.get(object_id)


def update(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    price = ctx.state.prices.get(object_id)
    with atomic(price) as before:
        if params.get("active") is False:
            product = ctx.state.products.find(price["product"])
            if product is not None and product["default_price"] == object_id:
                raise invalid(
                    "This price cannot be archived because it is the default price of its "
                    "product. Set another default price on the product first.",
                    param="active",
                )
        if "active" in params:
            price["active"] = params["active"]
        if "nickname" in params:
            price["nickname"] = unset_to_none(params["nickname"])
        if "tax_behavior" in params:
            price["tax_behavior"] = params["tax_behavior"]
        if "lookup_key" in params:
            key = unset_to_none(params["lookup_key"])
            if key is None:
                price["lookup_key"] = None
            else:
                _claim_lookup_key(ctx, price, key, params.get("transfer_lookup_key"))
        price["metadata"] = merge_metadata(price["metadata"], params.get("metadata"))
    ctx.emit_updated("price.updated", before, price)
    return price


def list_(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    rows = ctx.state.prices.newest_first()
    for key in ("product", "active", "currency", "type"):
        if key in params:
            rows = [p for p in rows if p[key] == params[key]]
    if "lookup_keys" in params:
        rows = [p for p in rows if p["lookup_key"] in params["lookup_keys"]]
    return paginate(rows, params, "/v1/prices", kind="price")


def search_(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    return search.search(search.PRICES, ctx.state.prices.newest_first(), params)
