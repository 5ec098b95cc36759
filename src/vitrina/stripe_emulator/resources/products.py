"""Products: caller-chosen ids, archive-not-delete once prices exist, `default_price`."""

from __future__ import annotations

from typing import Any

from vitrina.stripe_emulator import search
from vitrina.stripe_emulator.errors import already_exists, invalid
from vitrina.stripe_emulator.ids import new_id
from vitrina.stripe_emulator.listing import paginate
from vitrina.stripe_emulator.params import UNSET
from vitrina.stripe_emulator.resources import prices
from vitrina.stripe_emulator.resources.common import (
    check_custom_id,
    merge_metadata,
    missing_reference,
    unset_to_none,
)
from vitrina.stripe_emulator.state import Ctx
from vitrina.stripe_emulator.store import StripeObject, atomic

_OPTIONAL_TEXT = ("description", "statement_descriptor", "tax_code", "unit_label", "url")


def build(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    name = params.get("name", "")
    if not name.strip():
        raise invalid("You must provide a name for the product.", param="name")
    return {
        "id": object_id,
        "object": "product",
        "active": params.get("active", True),
        "created": ctx.now,
        "default_price": None,
        "description": params.get("description"),
        "images": params.get("images", []),
        "livemode": False,
        "marketing_features": params.get("marketing_features", []),
        "metadata": merge_metadata({}, params.get("metadata")),
        "name": name,
        "package_dimensions": _dimensions(params.get("package_dimensions")),
        "shippable": params.get("shippable"),
        "statement_descriptor": params.get("statement_descriptor"),
        "tax_code": params.get("tax_code"),
        "type": params.get("type", "service"),
        "unit_label": params.get("unit_label"),
        "updated": ctx.now,
        "url": params.get("url"),
    }


def _dimensions(value: Any) -> Any:
    if not value:
        return None
    return {k: float(value[k]) for k in ("height", "length", "weight", "width")}


def create(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    products = ctx.state.products
    if "id" in params:
        object_id = check_custom_id(params["id"])
        if object_id in products:
            raise already_exists("Product already exists.")
    else:
        object_id = new_id("prod", 14)
    product = build(ctx, params, object_id)
    price_data = params.get("default_price_data")
    price = None
    if price_data is not None:
        price = prices.build(ctx, price_data, object_id, param="default_price_data")
    products.add(product)
    if price is not None:
        prices.store(ctx, price)
        product["default_price"] = price["id"]
    ctx.emit("product.created", product)
    return product


def retrieve(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    return ctx.state.products.get(object_id)


def update(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    product = ctx.state.products.get(object_id)
    with atomic(product) as before:
        if "name" in params:
            if not params["name"].strip():
                raise invalid("You must provide a name for the product.", param="name")
            product["name"] = params["name"]
        if "default_price" in params:
            product["default_price"] = _default_price(ctx, product, params["default_price"])
        for key in _OPTIONAL_TEXT:
            if key in params:
                product[key] = unset_to_none(params[key])
        for key in ("active", "shippable"):
            if key in params:
                product[key] = params[key]
        if "images" in params:
            product["images"] = [] if params["images"] == UNSET else params["images"]
        if "marketing_features" in params:
            features = params["marketing_features"]
            product["marketing_features"] = [] if features == UNSET else features
        if "package_dimensions" in params:
            product["package_dimensions"] = _dimensions(unset_to_none(params["package_dimensions"]))
        product["metadata"] = merge_metadata(product["metadata"], params.get("metadata"))
    if product != before:
        product["updated"] = ctx.now
        ctx.emit_updated("product.updated", before, product)
    return product


def _default_price(ctx: Ctx, product: StripeObject, price_id: str) -> str | None:
    if price_id == UNSET:
        return None
    price = ctx.state.prices.find(price_id)
    if price is None:
        raise missing_reference("price", price_id, "default_price")
    if price["product"] != product["id"]:
        raise invalid(
            f"The price `{price_id}` does not belong to product `{product['id']}`.",
            param="default_price",
        )
    if not price["active"]:
        raise invalid(
            f"The price `{price_id}` is archived; only an active price can be the default price.",
            param="default_price",
        )
    return price_id


def delete(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    product = ctx.state.products.get(object_id)
    if any(p["product"] == object_id for p in ctx.state.prices):
        raise invalid(
            "This product cannot be deleted because it has one or more user-created prices. "
            "You can archive it instead by setting `active` to false."
        )
    ctx.state.products.remove(object_id)
    ctx.emit("product.deleted", product)
    return {"id": object_id, "object": "product", "deleted": True}


def list_(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    rows = ctx.state.products.newest_first()
    if "active" in params:
        rows = [p for p in rows if p["active"] == params["active"]]
    if "ids" in params:
        rows = [p for p in rows if p["id"] in params["ids"]]
    if "shippable" in params:
        rows = [p for p in rows if p["shippable"] == params["shippable"]]
    if "url" in params:
        rows = [p for p in rows if p["url"] == params["url"]]
    if "type" in params:
        rows = [p for p in rows if p["type"] == params["type"]]
    return paginate(rows, params, "/v1/products", kind="product")


def search_(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    return search.search(search.PRODUCTS, ctx.state.products.newest_first(), params)
