"""Validating `POST /v1/checkout/sessions`: line items, discount, shipping, expiry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from vitrina.stripe_emulator.errors import invalid
from vitrina.stripe_emulator.ids import new_id
from vitrina.stripe_emulator.resources import (
    coupons,
    customers,
    prices,
    products,
    promotion_codes,
    taxes,
)
from vitrina.stripe_emulator.resources.common import (
    chargeable,
    currency,
    missing_reference,
    non_negative,
    not_modelled,
    quantum,
)
from vitrina.stripe_emulator.resources.totals import (
    amount_discount,
    distribute,
    percent_discount,
)
from vitrina.stripe_emulator.state import Ctx
from vitrina.stripe_emulator.store import StripeObject

MIN_EXPIRY = 30 * 60
MAX_EXPIRY = 24 * 60 * 60
MAX_LINE_ITEMS = 100
MAX_QUANTITY = 999_999
MINIMUM_CHARGE = {
    "usd": 50, "aed": 200, "aud": 50, "bgn": 100, "brl": 50, "cad": 50, "chf": 50,
    "czk": 1500, "dkk": 250, "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500, "inr": 50,
    "jpy": 50, "mxn": 1000, "myr": 200, "nok": 300, "nzd": 50, "pln": 200, "ron": 200,
    "sek": 300, "sgd": 50, "thb": 1000,
}  # fmt: skip
"""Stripe's minimum charge amounts (minor units) for the currencies it lists."""
MAXIMUM_CHARGE = 99_999_999
"""Stripe's 8-digit ceiling on an amount (999,999.99 in a two-decimal currency)."""


@dataclass
class Line:
    price: StripeObject
    quantity: int
    new_product: StripeObject | None = None
    new_price: bool = False
    unit_amount: int = 0
    """In the session's currency: the price's own amount or its currency option's."""
    tax_behavior: str = "unspecified"
    tax_rates: list[StripeObject] = field(default_factory=list)

    @property
    def amount(self) -> int:
        return self.unit_amount * self.quantity


@dataclass
class Discount:
    coupon: StripeObject
    promotion_code: StripeObject | None
    amount: int = 0
    amount_off: int | None = None
    """An `amount_off` coupon's amount in the session's currency."""


@dataclass
class Shipping:
    rate: StripeObject
    new: bool
    amount: int = 0
    """In the session's currency: the rate's own amount or its currency option's."""
    tax_behavior: str = "unspecified"


@dataclass
class Plan:
    """A checked session request, ready to be stored."""

    lines: list[Line]
    currency: str
    discount: Discount | None
    shipping: list[Shipping] = field(default_factory=list)
    expires_at: int = 0
    automatic_tax: bool = False

    @property
    def subtotal(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def shipping_amount(self) -> int:
        return self.shipping[0].amount if self.shipping else 0


def plan(ctx: Ctx, params: dict[str, Any]) -> Plan:
    mode = params.get("mode")
    if mode is None:
        raise invalid("Missing required param: mode.", param="mode", code="parameter_missing")
    if mode != "payment":
        raise invalid(f"The emulator supports mode=payment only (got {mode}).", param="mode")
    _check_urls(params)
    _check_customer(ctx, params)
    if len(params.get("client_reference_id") or "") > 200:
        raise invalid(
            "client_reference_id must be at most 200 characters.", param="client_reference_id"
        )
    countries = (params.get("shipping_address_collection") or {}).get("allowed_countries")
    if countries is not None and not countries:
        raise invalid(
            "allowed_countries must list at least one country.",
            param="shipping_address_collection[allowed_countries]",
        )
    items: list[dict[str, Any]] = params.get("line_items") or []
    lines = _lines(ctx, items)
    session_currency = (
        currency(params["currency"]) if "currency" in params else lines[0].price["currency"]
    )
    for i, line in enumerate(lines):
        _in_session_currency(ctx, line, session_currency, f"line_items[{i}]")
    automatic = _automatic_tax(params)
    for i, (line, item) in enumerate(zip(lines, items, strict=True)):
        line.tax_rates = taxes.line_rates(ctx, item, line, automatic, f"line_items[{i}]")
    result = Plan(lines, session_currency, _discount(ctx, params, session_currency))
    result.automatic_tax = automatic
    result.shipping = _shipping(ctx, params.get("shipping_options") or [], session_currency)
    if automatic:
        taxes.check_shipping_for_automatic_tax([s.rate for s in result.shipping])
    result.expires_at = _expires_at(ctx, params.get("expires_at"))
    if result.discount is not None:
        result.discount.amount = _discount_amount(ctx, result)
        _check_minimum(result)
    _check_minimum_charge(result)
    return result


def _in_session_currency(ctx: Ctx, line: Line, session_currency: str, param: str) -> None:
    """Amount and tax behaviour in the session's currency (a currency option if need be)."""
    if line.new_price:
        if line.price["currency"] != session_currency:
            raise invalid(
                "All line items in a Checkout Session must use the same currency.", param=param
            )
        line.unit_amount = int(line.price["unit_amount"])
        line.tax_behavior = str(line.price["tax_behavior"])
        return
    line.unit_amount, line.tax_behavior = prices.in_currency(
        ctx, line.price, session_currency, param
    )


def _automatic_tax(params: dict[str, Any]) -> bool:
    automatic = params.get("automatic_tax") or {}
    liability = automatic.get("liability")
    if liability is not None and liability.get("type") != "self":
        raise not_modelled("automatic_tax[liability][type]=account", "automatic_tax[liability]")
    return bool(automatic.get("enabled"))


def _check_customer(ctx: Ctx, params: dict[str, Any]) -> None:
    email = params.get("customer_email")
    if email is not None and not customers.EMAIL.match(email):
        raise invalid(f"Invalid email address: {email}", param="customer_email")
    if "customer" in params:
        if email is not None:
            raise invalid(
                "You may only specify one of these parameters: customer, customer_email.",
                param="customer_email",
            )
        customers.existing(ctx, params["customer"])
    if "customer_update" in params:
        if "customer" not in params:
            raise invalid(
                "customer_update can only be used with customer.", param="customer_update"
            )
        raise invalid("The emulator does not support customer_update.", param="customer_update")


def _check_minimum_charge(result: Plan) -> None:
    """Stripe refuses a payment below the currency's minimum charge (zero is free, fine)."""
    total = result.subtotal - (result.discount.amount if result.discount else 0)
    total += result.shipping_amount
    minimum = MINIMUM_CHARGE.get(result.currency)
    if minimum is not None and 0 < total < minimum:
        raise invalid(
            "The Checkout Session's total amount due must add up to at least "
            f"{minimum} (in {result.currency} minor units); this one is {total}.",
            param="line_items",
        )
    if total > MAXIMUM_CHARGE:
        raise invalid(
            f"Amount must be no more than {MAXIMUM_CHARGE} (in {result.currency} minor units); "
            f"this session's total is {total}.",
            param="line_items",
            code="amount_too_large",
        )


def _check_urls(params: dict[str, Any]) -> None:
    ui_mode = params.get("ui_mode", "hosted_page")
    if ui_mode == "hosted_page":
        if "return_url" in params:
            raise invalid(
                "return_url can only be used with ui_mode embedded_page or elements.",
                param="return_url",
            )
        if not params.get("success_url"):
            raise invalid(
                "Missing required param: success_url.",
                param="success_url",
                code="parameter_missing",
            )
    else:
        for key in ("success_url", "cancel_url"):
            if key in params:
                raise invalid(f"{key} cannot be used with ui_mode {ui_mode}.", param=key)
    for key in ("success_url", "cancel_url", "return_url"):
        url = params.get(key)
        if url is not None and not re.match(r"^https?://", url):
            raise invalid(f"Not a valid URL: {url}", param=key, code="url_invalid")


def _lines(ctx: Ctx, items: Any) -> list[Line]:
    if not items:
        raise invalid(
            "line_items is required in payment mode.",
            param="line_items",
            code="parameter_missing",
        )
    if len(items) > MAX_LINE_ITEMS:
        raise invalid(
            f"You may only specify up to {MAX_LINE_ITEMS} line items.", param="line_items"
        )
    return [_line(ctx, item, f"line_items[{i}]") for i, item in enumerate(items)]


def _line(ctx: Ctx, item: dict[str, Any], param: str) -> Line:
    if "quantity" not in item:
        raise invalid(
            f"Missing required param: {param}[quantity].",
            param=f"{param}[quantity]",
            code="parameter_missing",
        )
    quantity = item["quantity"]
    if not 1 <= quantity <= MAX_QUANTITY:
        raise invalid(
            f"Quantity must be between 1 and {MAX_QUANTITY}.",
            param=f"{param}[quantity]",
            code="parameter_invalid_integer",
        )
    if ("price" in item) == ("price_data" in item):
        raise invalid(
            "You must specify exactly one of `price` or `price_data` for each line item.",
            param=f"{param}[price]",
        )
    if "price" in item:
        return Line(_existing_price(ctx, item["price"], f"{param}[price]"), quantity)
    return _inline_price(ctx, item["price_data"], f"{param}[price_data]", quantity)


def _existing_price(ctx: Ctx, price_id: str, param: str) -> StripeObject:
    price = ctx.state.prices.find(price_id)
    if price is None:
        raise missing_reference("price", price_id, param)
    if not price["active"]:
        raise invalid(
            f"The price `{price_id}` is not active. This field only accepts active prices.",
            param=param,
        )
    product = ctx.state.products.find(price["product"])
    if product is None or not product["active"]:
        raise invalid(
            f"The price `{price_id}` belongs to product `{price['product']}`, which is not "
            "active. This field only accepts prices of active products.",
            param=param,
        )
    if price["type"] != "one_time":
        raise invalid(
            "You specified `payment` mode but passed a recurring price. Either switch to "
            "`subscription` mode or use only one-time prices.",
            param=param,
        )
    return price


def _inline_price(ctx: Ctx, data: dict[str, Any], param: str, quantity: int) -> Line:
    if ("product" in data) == ("product_data" in data):
        raise invalid(
            "You must specify exactly one of `product` or `product_data`.",
            param=f"{param}[product]",
        )
    if "recurring" in data:
        raise invalid(
            "You specified `payment` mode but passed a recurring price.",
            param=f"{param}[recurring]",
        )
    new_product = None
    if "product" in data:
        product = ctx.state.products.find(data["product"])
        if product is None:
            raise missing_reference("product", data["product"], f"{param}[product]")
        if not product["active"]:
            raise invalid(
                f"The product `{data['product']}` is not active.", param=f"{param}[product]"
            )
        product_id = product["id"]
    else:
        new_product = products.build(ctx, data["product_data"], new_id("prod", 14))
        new_product["active"] = False
        product_id = new_product["id"]
    price = prices.build(ctx, data, product_id, param=param)
    price["active"] = False
    return Line(price, quantity, new_product=new_product, new_price=True)


def _discount(ctx: Ctx, params: dict[str, Any], session_currency: str) -> Discount | None:
    discounts = params.get("discounts") or []
    if discounts and params.get("allow_promotion_codes"):
        raise invalid(
            "You may only specify one of these parameters: allow_promotion_codes, discounts.",
            param="discounts",
        )
    if not discounts:
        return None
    if len(discounts) > 1:
        raise invalid(
            "You may only apply one discount to a Checkout Session in payment mode.",
            param="discounts",
        )
    entry = discounts[0]
    if ("coupon" in entry) == ("promotion_code" in entry):
        raise invalid(
            "You must specify exactly one of `coupon` or `promotion_code` in a discount.",
            param="discounts[0]",
        )
    promo = None
    if "promotion_code" in entry:
        promo = ctx.state.promotion_codes.find(entry["promotion_code"])
        if promo is None:
            raise missing_reference(
                "promotion_code", entry["promotion_code"], "discounts[0][promotion_code]"
            )
        if not promotion_codes.is_redeemable(ctx, promo):
            raise invalid(
                f"This promotion code cannot be redeemed: `{promo['code']}` is inactive, "
                "expired or used up.",
                param="discounts[0][promotion_code]",
            )
        coupon_id, param = promo["promotion"]["coupon"], "discounts[0][promotion_code]"
    else:
        coupon_id, param = entry["coupon"], "discounts[0][coupon]"
    coupon = ctx.state.coupons.find(coupon_id)
    if coupon is None:
        raise missing_reference("coupon", coupon_id, param)
    if not coupons.is_valid(coupon, ctx.now):
        raise invalid(
            f"Coupon `{coupon_id}` is no longer valid and cannot be redeemed.", param=param
        )
    amount_off = None
    if coupon["amount_off"] is not None:
        amount_off = coupons.amount_off_in(ctx, coupon, session_currency)
        if amount_off is None:
            raise invalid(
                f"The coupon `{coupon_id}` is in {coupon['currency']} and has no currency "
                f"option for {session_currency}, the session's currency.",
                param=param,
            )
    return Discount(coupon, promo, amount_off=amount_off)


def _eligible(ctx: Ctx, result: Plan) -> list[bool]:
    assert result.discount is not None
    limited = coupons.applies_to(ctx, result.discount.coupon)
    return [not limited or line.price["product"] in limited for line in result.lines]


def _discount_amount(ctx: Ctx, result: Plan) -> int:
    assert result.discount is not None
    coupon = result.discount.coupon
    eligible = sum(
        line.amount for line, ok in zip(result.lines, _eligible(ctx, result), strict=True) if ok
    )
    if coupon["percent_off"] is not None:
        return percent_discount(eligible, coupon["percent_off"], quantum(result.currency))
    assert result.discount.amount_off is not None
    return amount_discount(eligible, result.discount.amount_off)


def line_discounts(ctx: Ctx, result: Plan) -> list[int]:
    if result.discount is None:
        return [0 for _ in result.lines]
    flags = _eligible(ctx, result)
    weights = [line.amount if ok else 0 for line, ok in zip(result.lines, flags, strict=True)]
    return distribute(result.discount.amount, weights, quantum(result.currency))


def _check_minimum(result: Plan) -> None:
    assert result.discount is not None
    promo = result.discount.promotion_code
    if promo is None:
        return
    minimum = promo["restrictions"]["minimum_amount"]
    if minimum is not None and (
        promo["restrictions"]["minimum_amount_currency"] != result.currency
        or result.subtotal < minimum
    ):
        raise invalid(
            "This promotion code requires a minimum order amount that this session does not reach.",
            param="discounts[0][promotion_code]",
        )


def _shipping(ctx: Ctx, options: list[dict[str, Any]], session_currency: str) -> list[Shipping]:
    if len(options) > 5:
        raise invalid("You may only specify up to 5 shipping options.", param="shipping_options")
    found: list[Shipping] = []
    for i, option in enumerate(options):
        param = f"shipping_options[{i}]"
        if ("shipping_rate" in option) == ("shipping_rate_data" in option):
            raise invalid(
                "You must specify exactly one of `shipping_rate` or `shipping_rate_data`.",
                param=param,
            )
        if "shipping_rate" in option:
            rate = ctx.state.shipping_rates.find(option["shipping_rate"])
            if rate is None:
                raise missing_reference(
                    "shipping_rate", option["shipping_rate"], f"{param}[shipping_rate]"
                )
            found.append(Shipping(rate, new=False))
        else:
            found.append(Shipping(build_rate(ctx, option["shipping_rate_data"], param), True))
        _rate_in_currency(found[-1], session_currency, param)
    return found


def _rate_in_currency(option: Shipping, session_currency: str, param: str) -> None:
    """The rate's amount in the session's currency: its own, or its currency option's
    (whose `tax_behavior` is the rate's unless the option sets one)."""
    fixed = option.rate["fixed_amount"]
    option.tax_behavior = str(option.rate["tax_behavior"])
    if fixed["currency"] == session_currency:
        option.amount = int(fixed["amount"])
        return
    chosen = (fixed.get("currency_options") or {}).get(session_currency)
    if chosen is None:
        raise invalid("Shipping rates must use the session's currency.", param=param)
    option.amount = int(chosen["amount"])
    option.tax_behavior = str(chosen.get("tax_behavior") or option.tax_behavior)


def build_rate(ctx: Ctx, data: dict[str, Any], param: str) -> StripeObject:
    param = f"{param}[shipping_rate_data]" if param else ""
    if data.get("type", "fixed_amount") != "fixed_amount":
        raise invalid("Only fixed_amount shipping rates exist.", param=f"{param}[type]")
    at = f"{param}[fixed_amount]" if param else "fixed_amount"
    fixed = data.get("fixed_amount")
    if fixed is None:
        raise invalid(
            "fixed_amount is required for a fixed_amount shipping rate.",
            param=at,
            code="parameter_missing",
        )
    rate_currency = currency(fixed["currency"], f"{at}[currency]")
    options = _rate_options(fixed.get("currency_options"), rate_currency, at)
    amount = non_negative(fixed["amount"], f"{at}[amount]")
    estimate = data.get("delivery_estimate")
    return {
        "id": new_id("shr"),
        "object": "shipping_rate",
        "active": True,
        "created": ctx.now,
        "delivery_estimate": (
            {"maximum": estimate.get("maximum"), "minimum": estimate.get("minimum")}
            if estimate
            else None
        ),
        "display_name": data["display_name"],
        "fixed_amount": {
            "amount": chargeable(amount, rate_currency, f"{at}[amount]"),
            "currency": rate_currency,
            **({"currency_options": options} if options else {}),
        },
        "livemode": False,
        "metadata": data.get("metadata") or {},
        "tax_behavior": data.get("tax_behavior", "unspecified"),
        "tax_code": data.get("tax_code"),
        "type": "fixed_amount",
    }


def _rate_options(
    given: dict[str, Any] | None, rate_currency: str, at: str
) -> dict[str, Any] | None:
    """`fixed_amount[currency_options]`: per other currency, a chargeable `amount` and an
    optional `tax_behavior`."""
    if not given:
        return None
    found: dict[str, Any] = {}
    for code, option in given.items():
        where = f"{at}[currency_options][{code}]"
        option_currency = currency(code, where)
        if option_currency == rate_currency:
            raise invalid(
                f"currency_options cannot contain the rate's own currency ({code}).", param=where
            )
        if option.get("amount") is None:
            raise invalid(
                "Missing required param: amount.",
                param=f"{where}[amount]",
                code="parameter_missing",
            )
        amount = non_negative(int(option["amount"]), f"{where}[amount]")
        behavior = option.get("tax_behavior")
        if behavior not in (None, "inclusive", "exclusive", "unspecified"):
            raise invalid(f"Invalid tax_behavior: {behavior}.", param=f"{where}[tax_behavior]")
        found[option_currency] = {
            "amount": chargeable(amount, option_currency, f"{where}[amount]"),
            "tax_behavior": behavior or "unspecified",
        }
    return found


def _expires_at(ctx: Ctx, expires_at: int | None) -> int:
    if expires_at is None:
        return ctx.now + MAX_EXPIRY
    if expires_at < ctx.now + MIN_EXPIRY:
        raise invalid(
            "The `expires_at` timestamp must be at least 30 minutes from Checkout Session "
            "creation.",
            param="expires_at",
        )
    if expires_at > ctx.now + MAX_EXPIRY:
        raise invalid(
            "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
            param="expires_at",
        )
    return expires_at
