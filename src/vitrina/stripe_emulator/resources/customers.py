"""Customers: create, retrieve, update, delete, list, search; and the ones Checkout makes."""

from __future__ import annotations

import re
from typing import Any

from vitrina.stripe_emulator import search
from vitrina.stripe_emulator.errors import invalid
from vitrina.stripe_emulator.ids import new_id, random_part
from vitrina.stripe_emulator.listing import paginate
from vitrina.stripe_emulator.params import UNSET
from vitrina.stripe_emulator.resources.common import merge_metadata, missing_reference
from vitrina.stripe_emulator.state import Ctx
from vitrina.stripe_emulator.store import StripeObject, atomic

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_INVOICE_PREFIX = re.compile(r"^[A-Z0-9]{3,12}$")
_LIMITS = {"email": 512, "name": 256, "description": 350, "phone": 20}
_ADDRESS_KEYS = ("city", "country", "line1", "line2", "postal_code", "state")
_NOT_EMULATED = ("cash_balance", "payment_method", "source", "tax", "tax_id_data", "test_clock")
_OPTIONAL_NAMES = ("business_name", "individual_name")
"""Sent only when set (they are not in Stripe's example customer)."""


def _text(params: dict[str, Any], key: str) -> str | None:
    value = params.get(key)
    if value is None or value == UNSET:
        return None
    limit = _LIMITS.get(key)
    if limit is not None and len(value) > limit:
        raise invalid(f"Invalid {key}: must be at most {limit} characters.", param=key)
    if key == "email" and not EMAIL.match(value):
        raise invalid(f"Invalid email address: {value}", param="email", code="email_invalid")
    return str(value)


def address(value: Any) -> StripeObject | None:
    if value is None or value == UNSET:
        return None
    return {key: value.get(key) or None for key in _ADDRESS_KEYS}


def _shipping(value: Any) -> StripeObject | None:
    if value is None or value == UNSET:
        return None
    return {
        "address": address(value["address"]),
        "name": value["name"],
        "phone": value.get("phone"),
    }


def _refuse_unsupported(params: dict[str, Any]) -> None:
    for key in (*_NOT_EMULATED, "default_source"):
        if key in params:
            raise invalid(f"The emulator does not support customers' `{key}`.", param=key)
    prefix = params.get("invoice_prefix")
    if prefix is not None and not _INVOICE_PREFIX.match(prefix):
        raise invalid(
            "Invalid invoice_prefix: 3 to 12 uppercase letters or digits.", param="invoice_prefix"
        )


def _invoice_settings(value: Any) -> StripeObject:
    value = value if isinstance(value, dict) else {}
    return {
        "custom_fields": value.get("custom_fields") or None,
        "default_payment_method": value.get("default_payment_method") or None,
        "footer": value.get("footer") or None,
        "rendering_options": value.get("rendering_options") or None,
    }


def build(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    _refuse_unsupported(params)
    customer: StripeObject = {
        "id": new_id("cus", 14),
        "object": "customer",
        "address": address(params.get("address")),
        "balance": params.get("balance", 0),
        "created": ctx.now,
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": _text(params, "description"),
        "discount": None,
        "email": _text(params, "email"),
        "invoice_prefix": params.get("invoice_prefix") or random_part(8).upper(),
        "invoice_settings": _invoice_settings(params.get("invoice_settings")),
        "livemode": False,
        "metadata": merge_metadata({}, params.get("metadata")),
        "name": _text(params, "name"),
        "next_invoice_sequence": params.get("next_invoice_sequence", 1),
        "phone": _text(params, "phone"),
        "preferred_locales": params.get("preferred_locales") or [],
        "shipping": _shipping(params.get("shipping")),
        "tax_exempt": params.get("tax_exempt", "none"),
        "test_clock": None,
    }
    for key in _OPTIONAL_NAMES:
        if params.get(key):
            customer[key] = params[key]
    return customer


def create(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    customer = ctx.state.customers.add(build(ctx, params))
    ctx.emit("customer.created", customer)
    return customer


def retrieve(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    if object_id in ctx.state.deleted_customers:
        return {"id": object_id, "object": "customer", "deleted": True}
    return ctx.state.customers.get(object_id)


def update(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    customer = ctx.state.customers.get(object_id)
    with atomic(customer) as before:
        _refuse_unsupported(params)
        for key in ("description", "email", "name", "phone"):
            if key in params:
                customer[key] = _text(params, key)
        for key in _OPTIONAL_NAMES:
            if key in params:
                customer.pop(key, None)
                if params[key]:
                    customer[key] = params[key]
        if "address" in params:
            customer["address"] = address(params["address"])
        if "shipping" in params:
            customer["shipping"] = _shipping(params["shipping"])
        for key in ("balance", "next_invoice_sequence", "tax_exempt", "invoice_prefix"):
            if key in params:
                customer[key] = params[key]
        if "preferred_locales" in params:
            locales = params["preferred_locales"]
            customer["preferred_locales"] = [] if locales == UNSET else locales
        if "invoice_settings" in params:
            customer["invoice_settings"] = _invoice_settings(params["invoice_settings"])
        customer["metadata"] = merge_metadata(customer["metadata"], params.get("metadata"))
    ctx.emit_updated("customer.updated", before, customer)
    return customer


def delete(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    customer = ctx.state.customers.get(object_id)
    ctx.state.customers.remove(object_id)
    ctx.state.deleted_customers[object_id] = ctx.now
    ctx.emit("customer.deleted", customer)
    return {"id": object_id, "object": "customer", "deleted": True}


def list_(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    rows = ctx.state.customers.newest_first()
    if "email" in params:
        rows = [c for c in rows if c["email"] == params["email"]]
    return paginate(rows, params, "/v1/customers", kind="customer")


def search_(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    return search.search(search.CUSTOMERS, ctx.state.customers.newest_first(), params)


def existing(ctx: Ctx, customer_id: str, param: str = "customer") -> StripeObject:
    """A live customer named by a parameter (a deleted one is as missing as an unknown)."""
    customer = ctx.state.customers.find(customer_id)
    if customer is None:
        raise missing_reference("customer", customer_id, param)
    return customer


def for_completed_session(ctx: Ctx, session: StripeObject) -> None:
    """`customer_creation=always`: Checkout makes a Customer from what the buyer entered."""
    if session["customer"] is not None or session["customer_creation"] != "always":
        return
    details = session["customer_details"] or {}
    shipping = (session["collected_information"] or {}).get("shipping_details")
    customer = build(ctx, {})
    customer.update(
        email=details.get("email"),
        name=details.get("name"),
        address=details.get("address"),
        shipping=(
            {"address": shipping["address"], "name": shipping["name"], "phone": None}
            if shipping
            else None
        ),
    )
    ctx.state.customers.add(customer)
    ctx.emit("customer.created", customer)
    session["customer"] = customer["id"]
