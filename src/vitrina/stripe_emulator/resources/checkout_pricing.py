"""A session's totals, recomputed whenever the shopper's choices change.

What is fixed at creation (lines, their discounts, tax rates, shipping options) is kept in
`state.session_pricing`; the shipping option the shopper picks (the first until then, as
Stripe preselects it) and the tax location (the shipping address, else the billing address,
else the session customer's) are chosen on the hosted page or by the test control. `reprice`
then writes every amount Stripe shows: the session's `amount_total`, `total_details`,
`shipping_cost` and `automatic_tax.status`, each line item's `amount_tax` and
`amount_total`, and the includable `taxes`/`discounts` of line items, `shipping_cost.taxes`
and `total_details.breakdown`. The arithmetic is `totals`' (its docstring states the rules).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from vitrina.stripe_emulator.errors import invalid
from vitrina.stripe_emulator.ids import new_id
from vitrina.stripe_emulator.resources import tax_rates
from vitrina.stripe_emulator.resources.common import quantum
from vitrina.stripe_emulator.resources.session_create import Plan
from vitrina.stripe_emulator.resources.tax_table import TableRate, rate_for
from vitrina.stripe_emulator.resources.totals import line_taxes
from vitrina.stripe_emulator.state import Ctx
from vitrina.stripe_emulator.store import StripeObject, snapshot


def record(ctx: Ctx, session: StripeObject, checked: Plan, items: list[StripeObject]) -> None:
    """Keep what the session's totals depend on, and compute them a first time."""
    ctx.state.session_pricing[session["id"]] = {
        "currency": checked.currency,
        "automatic_tax": checked.automatic_tax,
        "lines": [
            {
                "line_item": item["id"],
                "amount": line.amount,
                "discount": item["amount_discount"],
                "tax_behavior": line.tax_behavior,
                "tax_rates": line.tax_rates,
            }
            for line, item in zip(checked.lines, items, strict=True)
        ],
        "discount": _discount_object(ctx, session, checked),
        "shipping": [
            {
                "rate": option.rate["id"],
                "amount": option.amount,
                "tax_behavior": option.tax_behavior,
            }
            for option in checked.shipping
        ],
        "chosen": 0 if checked.shipping else None,
        "location": _customer_location(ctx, session),
    }
    reprice(ctx, session)


def choose(
    ctx: Ctx,
    session: StripeObject,
    *,
    shipping_rate: str | None = None,
    location: dict[str, str | None] | None = None,
) -> None:
    """The shopper's shipping option and tax location (None keeps the current one)."""
    pricing = ctx.state.session_pricing[session["id"]]
    if shipping_rate:
        ids = [option["rate"] for option in pricing["shipping"]]
        if shipping_rate not in ids:
            raise invalid(
                f"`{shipping_rate}` is not one of this session's shipping options.",
                param="shipping_rate",
            )
        pricing["chosen"] = ids.index(shipping_rate)
    if location is not None and location.get("country"):
        tax_rates.country(str(location["country"]), "billing_address[country]")
        pricing["location"] = {
            "country": location["country"],
            "state": (location.get("state") or None),
        }
    reprice(ctx, session)


def needs_location(ctx: Ctx, session: StripeObject) -> bool:
    pricing = ctx.state.session_pricing.get(session["id"]) or {}
    return bool(pricing.get("automatic_tax")) and pricing.get("location") is None


def line_details(ctx: Ctx, session_id: str, line_item_id: str) -> StripeObject:
    """A line item's includable `taxes` and `discounts`."""
    pricing = ctx.state.session_pricing.get(session_id) or {}
    found: StripeObject = pricing.get("details", {}).get(line_item_id, {})
    return found


def reprice(ctx: Ctx, session: StripeObject) -> None:
    pricing = ctx.state.session_pricing[session["id"]]
    step = quantum(pricing["currency"])
    automatic = _AutomaticRates(ctx, pricing)
    aggregated: dict[str, StripeObject] = {}
    details: dict[str, StripeObject] = {}
    exclusive_tax = all_tax = discount_total = 0
    items = {item["id"]: item for item in ctx.state.line_items.get(session["id"], [])}
    for line in pricing["lines"]:
        rates = automatic.for_behavior(line["tax_behavior"]) if pricing["automatic_tax"] else None
        applied = _taxes(line["amount"] - line["discount"], rates or line["tax_rates"], step)
        excluded = sum(t["amount"] for t in applied if not t["rate"]["inclusive"])
        line_tax = sum(t["amount"] for t in applied)
        item = items[line["line_item"]]
        item["amount_tax"] = line_tax
        item["amount_total"] = line["amount"] - line["discount"] + excluded
        discounts = []
        if line["discount"]:
            discounts = [{"amount": line["discount"], "discount": pricing["discount"]}]
        details[item["id"]] = {"taxes": applied, "discounts": discounts}
        _aggregate(aggregated, applied)
        exclusive_tax += excluded
        all_tax += line_tax
        discount_total += line["discount"]
    shipping_cost, shipping_taxes = _shipping_cost(pricing, automatic, step)
    if shipping_cost is not None:
        _aggregate(aggregated, shipping_taxes)
        all_tax += shipping_cost["amount_tax"]
        exclusive_tax += shipping_cost["amount_total"] - shipping_cost["amount_subtotal"]
    shipping = shipping_cost["amount_subtotal"] if shipping_cost else 0
    total = session["amount_subtotal"] - discount_total + shipping + exclusive_tax
    pricing["details"] = details
    pricing["shipping_taxes"] = shipping_taxes
    ctx.state.breakdowns[session["id"]] = {
        "discounts": (
            [{"amount": discount_total, "discount": pricing["discount"]}]
            if pricing["discount"]
            else []
        ),
        "taxes": list(aggregated.values()),
    }
    session.update(
        amount_total=total,
        shipping_cost=shipping_cost,
        total_details={
            "amount_discount": discount_total,
            "amount_shipping": shipping,
            "amount_tax": all_tax,
        },
    )
    if pricing["automatic_tax"]:
        status = "requires_location_inputs" if pricing["location"] is None else "complete"
        session["automatic_tax"]["status"] = status
    if session["status"] == "open":
        session["payment_status"] = "no_payment_required" if total == 0 else "unpaid"


class _AutomaticRates:
    """Stripe Tax's rates for the session's location, one Tax Rate object per behaviour."""

    def __init__(self, ctx: Ctx, pricing: dict[str, Any]) -> None:
        self.ctx = ctx
        location = pricing.get("location") if pricing["automatic_tax"] else None
        self.table: TableRate | None = (
            rate_for(location["country"], location.get("state")) if location else None
        )
        self.made: dict[str, StripeObject] = {}

    def for_behavior(self, tax_behavior: str) -> list[StripeObject]:
        if self.table is None or tax_behavior == "unspecified":
            return []
        if tax_behavior not in self.made:
            table = self.table
            rate = tax_rates.build(
                self.ctx,
                display_name=table.display_name,
                percentage=float(table.percentage),
                inclusive=tax_behavior == "inclusive",
                country=table.country,
                state=table.state,
                tax_type=table.tax_type,
                jurisdiction=table.state or table.country,
                active=False,
                jurisdiction_level=table.jurisdiction_level,
                effective_percentage=float(table.percentage),
            )
            self.made[tax_behavior] = rate
        return [self.made[tax_behavior]]


def _taxes(amount: int, rates: list[StripeObject], step: int) -> list[StripeObject]:
    shares = [(Decimal(str(rate["percentage"])), bool(rate["inclusive"])) for rate in rates]
    amounts, taxable = line_taxes(amount, shares, step)
    return [
        {
            "amount": tax,
            "rate": snapshot(rate),
            "taxability_reason": "standard_rated" if rate["jurisdiction_level"] else None,
            "taxable_amount": taxable,
        }
        for tax, rate in zip(amounts, rates, strict=True)
    ]


def _aggregate(into: dict[str, StripeObject], applied: list[StripeObject]) -> None:
    """`total_details.breakdown.taxes`: one entry per rate, amounts summed."""
    for tax in applied:
        found = into.get(tax["rate"]["id"])
        if found is None:
            into[tax["rate"]["id"]] = snapshot(tax)
        else:
            found["amount"] += tax["amount"]
            found["taxable_amount"] += tax["taxable_amount"]


def _shipping_cost(
    pricing: dict[str, Any], automatic: _AutomaticRates, step: int
) -> tuple[StripeObject | None, list[StripeObject]]:
    """The chosen option's cost; only `automatic_tax` taxes shipping (Tax Rates apply to line
    items alone), and coupons never discount it."""
    if pricing["chosen"] is None:
        return None, []
    option = pricing["shipping"][pricing["chosen"]]
    rates = automatic.for_behavior(option["tax_behavior"]) if pricing["automatic_tax"] else []
    applied = _taxes(option["amount"], rates, step)
    excluded = sum(t["amount"] for t in applied if not t["rate"]["inclusive"])
    cost = {
        "amount_subtotal": option["amount"],
        "amount_tax": sum(t["amount"] for t in applied),
        "amount_total": option["amount"] + excluded,
        "shipping_rate": option["rate"],
    }
    return cost, applied


def _customer_location(ctx: Ctx, session: StripeObject) -> dict[str, str | None] | None:
    """A session customer's shipping (else billing) address, when it names a country."""
    if session["customer"] is None:
        return None
    customer = ctx.state.customers.find(session["customer"]) or {}
    for address in ((customer.get("shipping") or {}).get("address"), customer.get("address")):
        if address and address.get("country"):
            return {"country": address["country"], "state": address.get("state")}
    return None


def _discount_object(ctx: Ctx, session: StripeObject, checked: Plan) -> StripeObject | None:
    """The Discount Stripe makes when the session applies its coupon or promotion code."""
    if checked.discount is None:
        return None
    promo = checked.discount.promotion_code
    return {
        "id": new_id("di", 24),
        "object": "discount",
        "checkout_session": session["id"],
        "customer": session["customer"],
        "customer_account": None,
        "end": None,
        "invoice": None,
        "invoice_item": None,
        "promotion_code": promo["id"] if promo else None,
        "source": {"coupon": checked.discount.coupon["id"], "type": "coupon"},
        "start": ctx.now,
        "subscription": None,
        "subscription_item": None,
    }
