"""Which taxes a new session's line items and shipping may carry, checked as Stripe checks them.

- `line_items[i][tax_rates]`: live, active Tax Rates whose `inclusive` agrees with the
  price's `tax_behavior` (an `unspecified` price takes either).
- `automatic_tax[enabled]=true`: every price and shipping rate needs a `tax_behavior`
  (the emulator has no account-wide default), and line items carry no `tax_rates`.
- `dynamic_tax_rates` does not exist in the API version the SDK pins (2026-10-28): the
  parameter check refuses it as `parameter_unknown`, as Stripe does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vitrina.stripe_emulator.errors import invalid
from vitrina.stripe_emulator.resources import tax_rates
from vitrina.stripe_emulator.state import Ctx
from vitrina.stripe_emulator.store import StripeObject, snapshot

if TYPE_CHECKING:
    from vitrina.stripe_emulator.resources.session_create import Line

TAX_BEHAVIOR_DOCS = "https://stripe.com/docs/tax/products-prices-tax-categories-tax-behavior"
CONFLICT = (
    "One or more prices has a `tax_behavior` that conflicts with the tax rates that apply to "
    "the corresponding line item."
)


def line_rates(
    ctx: Ctx, item: dict[str, Any], line: Line, automatic: bool, param: str
) -> list[StripeObject]:
    """The checked `tax_rates` of one line item (snapshots: later edits do not reach it)."""
    ids: list[str] = item.get("tax_rates") or []
    if automatic:
        if ids:
            raise invalid(
                "You cannot pass `tax_rates` on line items when `automatic_tax[enabled]` is true.",
                param=f"{param}[tax_rates]",
            )
        if line.tax_behavior == "unspecified":
            raise invalid(
                f"The price `{line.price['id']}` does not have a `tax_behavior` set which is "
                "required for automatic tax computation. Please visit "
                f"{TAX_BEHAVIOR_DOCS}#tax-behavior for more information.",
                param=f"{param}[price_data]" if line.new_price else f"{param}[price]",
            )
        return []
    rates = [
        tax_rates.applicable(ctx, rate_id, f"{param}[tax_rates][{j}]")
        for j, rate_id in enumerate(ids)
    ]
    if line.tax_behavior != "unspecified":
        wanted = line.tax_behavior == "inclusive"
        if any(rate["inclusive"] != wanted for rate in rates):
            raise invalid(CONFLICT, param=f"{param}[tax_rates]")
    return [snapshot(rate) for rate in rates]


def check_shipping_for_automatic_tax(rates: list[StripeObject]) -> None:
    for i, rate in enumerate(rates):
        if rate["tax_behavior"] == "unspecified":
            raise invalid(
                f"The shipping rate `{rate['id']}` does not have a `tax_behavior` set which is "
                "required for automatic tax computation. Please visit "
                f"{TAX_BEHAVIOR_DOCS}#tax-behavior for more information.",
                param=f"shipping_options[{i}]",
            )
