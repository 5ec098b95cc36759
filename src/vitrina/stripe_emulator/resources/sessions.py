"""Checkout Sessions: create, retrieve, list, line items, expire, and timed expiry."""

from __future__ import annotations

from typing import Any

from vitrina.stripe_emulator.errors import invalid
from vitrina.stripe_emulator.ids import new_id, random_part
from vitrina.stripe_emulator.listing import paginate
from vitrina.stripe_emulator.resources import checkout_pricing
from vitrina.stripe_emulator.resources.common import merge_metadata
from vitrina.stripe_emulator.resources.session_create import Plan, line_discounts, plan
from vitrina.stripe_emulator.state import Ctx
from vitrina.stripe_emulator.store import StripeObject, snapshot


def create(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    checked = plan(ctx, params)
    metadata = merge_metadata({}, params.get("metadata"))
    session_id = new_id("cs_test", 58)
    for line in checked.lines:
        if line.new_product is not None:
            ctx.state.products.add(line.new_product)
        if line.new_price:
            ctx.state.prices.add(line.price)
    for option in checked.shipping:
        if option.new:
            ctx.state.shipping_rates.add(option.rate)
    session = _build(ctx, params, checked, session_id, metadata)
    ctx.state.sessions.add(session)
    items = _line_items(ctx, checked)
    ctx.state.line_items[session_id] = items
    checkout_pricing.record(ctx, session, checked, items)
    ctx.state.intent_data[session_id] = params.get("payment_intent_data") or {}
    return session


def _build(
    ctx: Ctx, params: dict[str, Any], checked: Plan, session_id: str, metadata: dict[str, str]
) -> StripeObject:
    """The session object; its amounts are filled by `checkout_pricing.record`."""
    ui_mode = params.get("ui_mode", "hosted_page")
    discount = checked.discount
    automatic = checked.automatic_tax
    session: StripeObject = {
        "id": session_id,
        "object": "checkout.session",
        "adaptive_pricing": {"enabled": False},
        "after_expiration": None,
        "allow_promotion_codes": params.get("allow_promotion_codes"),
        "amount_subtotal": checked.subtotal,
        "amount_total": None,
        "automatic_tax": {
            "enabled": automatic,
            "liability": {"type": "self"} if automatic else None,
            "provider": "stripe" if automatic else None,
            "status": None,
        },
        "billing_address_collection": params.get("billing_address_collection"),
        "cancel_url": params.get("cancel_url"),
        "client_reference_id": params.get("client_reference_id"),
        "client_secret": (
            None if ui_mode == "hosted_page" else f"{session_id}_secret_{random_part(24)}"
        ),
        "collected_information": None,
        "consent": None,
        "consent_collection": None,
        "created": ctx.now,
        "currency": checked.currency,
        "currency_conversion": None,
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": params.get("customer"),
        "customer_account": None,
        "customer_creation": params.get("customer_creation", "if_required"),
        "customer_details": _open_customer_details(ctx, params),
        "customer_email": params.get("customer_email"),
        "discounts": [
            {
                "coupon": None if discount.promotion_code else discount.coupon["id"],
                "promotion_code": discount.promotion_code["id"]
                if discount.promotion_code
                else None,
            }
        ]
        if discount
        else [],
        "expires_at": checked.expires_at,
        "integration_identifier": None,
        "invoice": None,
        "invoice_creation": {
            "enabled": False,
            "invoice_data": {
                "account_tax_ids": None,
                "custom_fields": None,
                "description": None,
                "footer": None,
                "issuer": None,
                "metadata": {},
                "rendering_options": None,
            },
        },
        "livemode": False,
        "locale": params.get("locale"),
        "managed_payments": None,
        "metadata": metadata,
        "mode": "payment",
        "origin_context": None,
        "payment_intent": None,
        "payment_link": None,
        "payment_method_collection": "always",
        "payment_method_configuration_details": None,
        "payment_method_options": {},
        "payment_method_types": params.get("payment_method_types", ["card"]),
        "payment_status": "unpaid",
        "permissions": None,
        "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "saved_payment_method_options": None,
        "setup_intent": None,
        "shipping_address_collection": params.get("shipping_address_collection"),
        "shipping_cost": None,
        "shipping_options": [
            {"shipping_amount": o.amount, "shipping_rate": o.rate["id"]} for o in checked.shipping
        ],
        "status": "open",
        "submit_type": params.get("submit_type"),
        "subscription": None,
        "success_url": params.get("success_url"),
        "total_details": None,
        "ui_mode": ui_mode,
        "url": (f"{ctx.state.public_url}/c/pay/{session_id}" if ui_mode == "hosted_page" else None),
        "wallet_options": None,
    }
    session.update(_sent_when_set(params, ui_mode))
    return session


def _sent_when_set(params: dict[str, Any], ui_mode: str) -> StripeObject:
    """Fields Stripe sends only when the session uses them (not in its example session)."""
    found: StripeObject = {}
    if ui_mode != "hosted_page":
        found["redirect_on_completion"] = params.get("redirect_on_completion", "always")
        found["return_url"] = params.get("return_url")
    if "excluded_payment_method_types" in params:
        found["excluded_payment_method_types"] = params["excluded_payment_method_types"]
    if "tax_id_collection" in params:
        tax_ids = params["tax_id_collection"]
        found["tax_id_collection"] = {
            "enabled": tax_ids["enabled"],
            "required": tax_ids.get("required", "never"),
        }
    return found


def _open_customer_details(ctx: Ctx, params: dict[str, Any]) -> StripeObject | None:
    """Before payment Stripe shows the email it already knows (and the customer's tax
    status); the rest is filled when the customer pays."""
    email = params.get("customer_email")
    tax_exempt = "none"
    if params.get("customer"):
        customer = ctx.state.customers.get(params["customer"])
        email, tax_exempt = customer["email"], customer["tax_exempt"]
    if email is None:
        return None
    return {
        "address": None,
        "business_name": None,
        "email": email,
        "individual_name": None,
        "name": None,
        "phone": None,
        "tax_exempt": tax_exempt,
        "tax_ids": None,
    }


def _line_items(ctx: Ctx, checked: Plan) -> list[StripeObject]:
    """Line items; their discounts, taxes and totals are filled by `checkout_pricing`."""
    items = []
    for line, discount in zip(checked.lines, line_discounts(ctx, checked), strict=True):
        product = ctx.state.products.find(line.price["product"])
        items.append(
            {
                "id": new_id("li", 24),
                "object": "item",
                "adjustable_quantity": None,
                "amount_discount": discount,
                "amount_subtotal": line.amount,
                "amount_tax": 0,
                "amount_total": line.amount - discount,
                "currency": checked.currency,
                "description": product["name"] if product else None,
                "metadata": {},
                "price": snapshot(line.price),
                "quantity": line.quantity,
            }
        )
    return items


def retrieve(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    return ctx.state.sessions.get(object_id)


def list_(ctx: Ctx, params: dict[str, Any]) -> StripeObject:
    rows = ctx.state.sessions.newest_first()
    for key in ("payment_intent", "status", "customer", "payment_link", "subscription"):
        if key in params:
            rows = [s for s in rows if s[key] == params[key]]
    if "customer_account" in params:
        rows = [s for s in rows if s["customer_account"] == params["customer_account"]]
    email = (params.get("customer_details") or {}).get("email")
    if email is not None:
        rows = [s for s in rows if (s["customer_details"] or {}).get("email") == email]
    return paginate(rows, params, "/v1/checkout/sessions", kind="checkout.session")


def line_items(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    ctx.state.sessions.get(object_id)
    rows = list(ctx.state.line_items.get(object_id, []))
    url = f"/v1/checkout/sessions/{object_id}/line_items"
    page = paginate(
        [{**row, "created": 0} for row in rows], {**params, "created": None}, url, kind="item"
    )
    for row in page["data"]:
        row.pop("created", None)
    return page


def expire(ctx: Ctx, params: dict[str, Any], object_id: str) -> StripeObject:
    session = ctx.state.sessions.get(object_id)
    if session["status"] != "open":
        raise invalid(
            f'Only Checkout Sessions with a status in ["open"] can be expired. This '
            f'Checkout Session has a status of "{session["status"]}".',
            param="session",
        )
    return mark_expired(ctx, session)


def mark_expired(ctx: Ctx, session: StripeObject) -> StripeObject:
    session["status"] = "expired"
    session["url"] = None
    ctx.emit("checkout.session.expired", session)
    return session


def expire_due(ctx: Ctx) -> list[StripeObject]:
    """Open sessions whose `expires_at` has passed on the emulator clock expire now."""
    due = [s for s in ctx.state.sessions if s["status"] == "open" and s["expires_at"] <= ctx.now]
    return [mark_expired(ctx, s) for s in due]
