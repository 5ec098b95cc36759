"""The `/v1` endpoints: method, path pattern, the SDK params TypedDict, and the handler."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import stripe.params as sp
import stripe.params.checkout as spc

from vitrina.stripe_emulator.errors import StripeError
from vitrina.stripe_emulator.resources import (
    coupons,
    customers,
    events,
    payments,
    prices,
    products,
    promotion_codes,
    refunds,
    sessions,
    shipping_rates,
)

Handler = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    pattern: re.Pattern[str]
    params_class: type
    handler: Handler


def _crud(
    base: str,
    module: Any,
    names: str,
    *,
    create: bool = True,
    update: bool = True,
    delete: bool = False,
) -> list[tuple[str, str, type, Handler]]:
    found: list[tuple[str, str, type, Handler]] = [
        ("GET", base, getattr(sp, f"{names}ListParams"), module.list_),
        ("GET", base + "/{id}", getattr(sp, f"{names}RetrieveParams"), module.retrieve),
    ]
    if create:
        found.append(("POST", base, getattr(sp, f"{names}CreateParams"), module.create))
    if update:
        found.append(("POST", base + "/{id}", getattr(sp, f"{names}UpdateParams"), module.update))
    if delete:
        found.append(("DELETE", base + "/{id}", getattr(sp, f"{names}DeleteParams"), module.delete))
    return found


_TABLE: list[tuple[str, str, type, Handler]] = [
    ("GET", "/v1/products/search", sp.ProductSearchParams, products.search_),
    ("GET", "/v1/prices/search", sp.PriceSearchParams, prices.search_),
    ("GET", "/v1/customers/search", sp.CustomerSearchParams, customers.search_),
    *_crud("/v1/products", products, "Product", delete=True),
    *_crud("/v1/prices", prices, "Price"),
    *_crud("/v1/coupons", coupons, "Coupon", delete=True),
    *_crud("/v1/promotion_codes", promotion_codes, "PromotionCode"),
    *_crud("/v1/shipping_rates", shipping_rates, "ShippingRate"),
    *_crud("/v1/refunds", refunds, "Refund"),
    *_crud("/v1/customers", customers, "Customer", delete=True),
    ("GET", "/v1/checkout/sessions", spc.SessionListParams, sessions.list_),
    ("POST", "/v1/checkout/sessions", spc.SessionCreateParams, sessions.create),
    ("GET", "/v1/checkout/sessions/{id}", spc.SessionRetrieveParams, sessions.retrieve),
    ("POST", "/v1/checkout/sessions/{id}/expire", spc.SessionExpireParams, sessions.expire),
    (
        "GET",
        "/v1/checkout/sessions/{id}/line_items",
        spc.SessionLineItemListParams,
        sessions.line_items,
    ),
    ("GET", "/v1/payment_intents", sp.PaymentIntentListParams, payments.list_intents),
    ("GET", "/v1/payment_intents/{id}", sp.PaymentIntentRetrieveParams, payments.retrieve_intent),
    ("GET", "/v1/charges", sp.ChargeListParams, payments.list_charges),
    ("GET", "/v1/charges/{id}", sp.ChargeRetrieveParams, payments.retrieve_charge),
    (
        "GET",
        "/v1/payment_methods/{id}",
        sp.PaymentMethodRetrieveParams,
        payments.retrieve_payment_method,
    ),
    ("GET", "/v1/events", sp.EventListParams, events.list_),
    ("GET", "/v1/events/{id}", sp.EventRetrieveParams, events.retrieve),
    ("GET", "/v1/webhook_endpoints", sp.WebhookEndpointListParams, events.endpoint_list),
    ("POST", "/v1/webhook_endpoints", sp.WebhookEndpointCreateParams, events.endpoint_create),
    (
        "GET",
        "/v1/webhook_endpoints/{id}",
        sp.WebhookEndpointRetrieveParams,
        events.endpoint_retrieve,
    ),
    (
        "POST",
        "/v1/webhook_endpoints/{id}",
        sp.WebhookEndpointUpdateParams,
        events.endpoint_update,
    ),
    (
        "DELETE",
        "/v1/webhook_endpoints/{id}",
        sp.WebhookEndpointDeleteParams,
        events.endpoint_delete,
    ),
]


def _compile(path: str) -> re.Pattern[str]:
    return re.compile("^" + path.replace("{id}", "(?P<object_id>[^/]+)") + "/?$")


ENDPOINTS = [Endpoint(m, _compile(p), c, h) for m, p, c, h in _TABLE]


def match(method: str, path: str) -> tuple[Endpoint, dict[str, str]]:
    for endpoint in ENDPOINTS:
        if endpoint.method != method:
            continue
        found = endpoint.pattern.match(path)
        if found:
            return endpoint, found.groupdict()
    raise StripeError(
        404,
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or "
        "we can help at https://support.stripe.com/.",
        stored=False,
    )
