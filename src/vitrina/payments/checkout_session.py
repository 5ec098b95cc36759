"""The seed's `StripeSession` and `ExpireSession`: make and cancel a Stripe Checkout Session.

Used by hand exactly as the seed shows (synchronous, configuration from the environment via
`make_stripe_client()`):

    StripeSession(user=user, products=[p1, p2], unique_code=code, promo=1).get_session_payments()
    ExpireSession(session_id=basket.session_id).expire_session()

and by the app through the async variants (`get_session_payments_async`, `expire_session_async`)
with keyword-only extras (basket id, expiry, idempotency key, URLs, client).

`products` may hold Product objects (quantity 1 each), `(product, quantity)` pairs, or basket
lines (anything with `.product` and `.quantity`). Prices are the products' CURRENT prices, sent
as `price_data`; a variant of a product with options whose Stripe Price is synced and current
(`synced_price_id`, see basket/sold.py) is sent as that Price. `promo` may be a local coupon
id (resolved to the Stripe coupon the sync made for it), a coupon object (its `stripe_id`), or
a Stripe coupon id string.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, Protocol, cast, runtime_checkable

import stripe
from stripe.params.checkout import (
    SessionCreateParams,
    SessionCreateParamsLineItem,
    SessionCreateParamsLineItemPriceData,
    SessionCreateParamsShippingAddressCollection,
    SessionCreateParamsShippingOption,
    SessionCreateParamsShippingOptionShippingRateData,
    SessionCreateParamsShippingOptionShippingRateDataDeliveryEstimate,
)

from vitrina.config import Settings, get_settings
from vitrina.errors import BadRequest, ServiceUnavailable, VitrinaError
from vitrina.kit.clock import to_unix, utcnow
from vitrina.payments import customers
from vitrina.payments.client import make_stripe_client
from vitrina.payments.sync.ids import coupon_local_id


class ProductLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def price(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def stripe_id(self) -> str | None: ...
    @property
    def sync_version(self) -> int: ...
    @property
    def synced_version(self) -> int: ...


@runtime_checkable
class LineLike(Protocol):
    """A basket line: a product and how many of it."""

    @property
    def product(self) -> Any: ...
    @property
    def quantity(self) -> int: ...


class ShippingOptionLike(Protocol):
    """One shipping option the store offers (its `shipping.rates.ShippingOption`)."""

    @property
    def method_id(self) -> int | None: ...
    @property
    def name(self) -> str: ...
    @property
    def amount(self) -> int: ...
    @property
    def min_days(self) -> int | None: ...
    @property
    def max_days(self) -> int | None: ...


class UserLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def email(self) -> str: ...


class CouponLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def stripe_id(self) -> str | None: ...


ProductsArg = Sequence[ProductLike | tuple[ProductLike, int] | LineLike]
PromoArg = int | str | CouponLike | None


def success_url(settings: Settings, unique_code: str) -> str:
    return (
        f"{settings.public_base_url}/checkout/success"
        f"?code={unique_code}&session_id={{CHECKOUT_SESSION_ID}}"
    )


def cancel_url(settings: Settings) -> str:
    return f"{settings.public_base_url}/basket?checkout=cancelled"


def session_expiry(settings: Settings) -> datetime:
    """now + `checkout_session_minutes`, rounded up to the next minute.

    Stripe refuses an `expires_at` less than 30 minutes after the session's creation, which
    happens a little after this is computed; the rounding gives that margin, and keeps the
    parameters identical for quick retries with the same idempotency key."""
    start = utcnow().replace(second=0, microsecond=0) + timedelta(minutes=1)
    return start + timedelta(minutes=settings.checkout_session_minutes)


def checkout_idempotency_key(basket_id: int, unique_code: str) -> str:
    return f"vitrina:checkout:{basket_id}:{unique_code}"


def name_in(product: ProductLike, language: str | None) -> str:
    """The product's name in `language` (its `name_<language>`, which the catalogue keeps
    per language), else its main name (the one its synced Stripe Product carries)."""
    translated = getattr(product, f"name_{language}", None) if language else None
    return translated if isinstance(translated, str) and translated else product.name


def lines_of(products: ProductsArg) -> list[tuple[ProductLike, int]]:
    """Normalise the seed's `products` argument to (product, quantity) pairs."""
    lines: list[tuple[ProductLike, int]] = []
    for entry in products:
        if isinstance(entry, tuple):
            product, quantity = entry
            lines.append((product, quantity))
        elif isinstance(entry, LineLike):
            lines.append((cast(ProductLike, entry.product), entry.quantity))
        else:
            lines.append((entry, 1))
    return lines


def stripe_error(exc: stripe.StripeError, *, action: str) -> VitrinaError:
    """A Stripe failure as the error the client should see: 503 when trying again later may
    help (network, timeout, 429, 5xx, idempotency in flight), 400 when the request was wrong."""
    status = exc.http_status or 0
    if isinstance(exc, stripe.InvalidRequestError) and 400 <= status < 500:
        return BadRequest(f"The payment provider refused to {action}: {exc.user_message or exc}")
    return ServiceUnavailable(
        f"The payment provider is not answering, so we could not {action}. "
        "Nothing was charged; please try again in a minute."
    )


def was_replayed(exc: stripe.StripeError) -> bool:
    """Stripe replayed a stored answer for this idempotency key (or refused the key)."""
    if isinstance(exc, stripe.IdempotencyError):
        return True
    return str((exc.headers or {}).get("idempotent-replayed", "")).lower() == "true"


class StripeSession:
    """A Stripe Checkout Session for a user's products, tied to a basket by `unique_code`.
    `user=None` is a guest: Stripe's page then asks for the email. `shipping` (the account's
    default address, as a Customer's `shipping`) goes on the account's Customer, from which
    Checkout prefills the shipping address."""

    def __init__(
        self,
        user: UserLike | None,
        products: ProductsArg,
        unique_code: str,
        promo: PromoArg = None,
        *,
        basket_id: int | None = None,
        expires_at: datetime | None = None,
        idempotency_key: str | None = None,
        success_url: str | None = None,
        cancel_url: str | None = None,
        metadata: dict[str, str] | None = None,
        client: stripe.StripeClient | None = None,
        settings: Settings | None = None,
        language: str | None = None,
        shipping: Mapping[str, Any] | None = None,
        shipping_options: Sequence[ShippingOptionLike] | None = None,
        allowed_countries: Sequence[str] | None = None,
        tax_behavior: Literal["inclusive", "exclusive"] | None = None,
        line_tax_rates: Sequence[Sequence[str]] | None = None,
        automatic_tax: bool = False,
    ) -> None:
        self.tax_behavior = tax_behavior  # None: prices say nothing about tax (TAX_MODE=off)
        self.line_tax_rates = line_tax_rates  # Stripe Tax Rate ids per line (manual taxes)
        self.automatic_tax = automatic_tax
        self.offered = shipping_options  # None: the settings' one rate (the seed's usage)
        self.allowed_countries = allowed_countries
        self.user = user
        self.shipping = shipping  # the account's default address: its Customer carries it
        self.language = language  # the shopper's: Checkout's page and the products' names
        self.lines = lines_of(products)
        self.unique_code = unique_code
        self.promo = promo
        self.basket_id = basket_id
        self.settings = settings or get_settings()
        self.expires_at = expires_at or session_expiry(self.settings)
        self.idempotency_key = idempotency_key or (
            checkout_idempotency_key(basket_id, unique_code) if basket_id is not None else None
        )
        self.success_url = success_url
        self.cancel_url = cancel_url
        self.extra_metadata = metadata or {}
        self.client = client or make_stripe_client(self.settings)

    @property
    def currency(self) -> str:
        if not self.lines:
            return self.settings.store_currency
        return self.lines[0][0].currency.lower()

    def metadata(self) -> dict[str, str]:
        data = {"unique_code": self.unique_code}
        if self.user is not None:
            data["user_id"] = str(self.user.id)
        if self.basket_id is not None:
            data["basket_id"] = str(self.basket_id)
        return {**data, **self.extra_metadata}

    def line_items(self) -> list[SessionCreateParamsLineItem]:
        items: list[SessionCreateParamsLineItem] = []
        for product, quantity in self.lines:
            price_id = self._synced_price(product)
            if price_id is not None:
                items.append(self._with_tax_rates({"price": price_id, "quantity": quantity}, items))
                continue
            price_data: SessionCreateParamsLineItemPriceData = {
                "currency": product.currency.lower(),
                "unit_amount": product.price,
            }
            synced = product.stripe_id and product.synced_version >= product.sync_version
            name = name_in(product, self.language)
            if synced and product.stripe_id and name == product.name:
                price_data["product"] = product.stripe_id
            else:
                price_data["product_data"] = {
                    "name": name,
                    "metadata": {"vitrina_product_id": str(product.id)},
                }
            if self.tax_behavior is not None:
                price_data["tax_behavior"] = self.tax_behavior
            item: SessionCreateParamsLineItem = {"price_data": price_data, "quantity": quantity}
            items.append(self._with_tax_rates(item, items))
        return items

    def _synced_price(self, product: ProductLike) -> str | None:
        """A variant's synced Stripe Price (`Sold.synced_price_id`), used when the line need
        state no tax behaviour (a Price fixes its own at creation); else None."""
        if self.tax_behavior is not None or self.automatic_tax:
            return None
        price_id = getattr(product, "synced_price_id", None)
        return price_id if isinstance(price_id, str) and price_id else None

    def _with_tax_rates(
        self, item: SessionCreateParamsLineItem, before: list[SessionCreateParamsLineItem]
    ) -> SessionCreateParamsLineItem:
        if self.line_tax_rates and self.line_tax_rates[len(before)]:
            item["tax_rates"] = list(self.line_tax_rates[len(before)])
        return item

    def shipping_options(self) -> list[SessionCreateParamsShippingOption]:
        if self.offered is not None:
            return [
                shipping_rate_data(option, self.currency, self.tax_behavior)
                for option in self.offered
            ]
        return [
            {
                "shipping_rate_data": {
                    "type": "fixed_amount",
                    "display_name": self.settings.shipping_rate_name,
                    "fixed_amount": {
                        "amount": self.settings.shipping_rate_amount,
                        "currency": self.currency,
                    },
                }
            }
        ]

    def shipping_address_collection(self) -> SessionCreateParamsShippingAddressCollection:
        if self.allowed_countries is not None:
            return {"allowed_countries": cast(Any, list(self.allowed_countries))}
        countries = [c.strip().upper() for c in self.settings.shipping_countries.split(",")]
        return {"allowed_countries": cast(Any, [c for c in countries if c])}

    def params(self, coupon_id: str | None, customer_id: str | None = None) -> SessionCreateParams:
        params: SessionCreateParams = {
            "mode": "payment",
            "currency": self.currency,
            "line_items": self.line_items(),
            "metadata": self.metadata(),
            "payment_intent_data": {"metadata": self.metadata()},
            "shipping_address_collection": self.shipping_address_collection(),
            "shipping_options": self.shipping_options(),
            "success_url": self.success_url or success_url(self.settings, self.unique_code),
            "cancel_url": self.cancel_url or cancel_url(self.settings),
            "expires_at": to_unix(self.expires_at),
        }
        if (reference := self._reference()) is not None:
            params["client_reference_id"] = reference
        if coupon_id is not None:
            params["discounts"] = [{"coupon": coupon_id}]
        if customer_id is not None:
            params["customer"] = customer_id  # Stripe refuses it with customer_email
        elif self.user is not None:
            params["customer_email"] = self.user.email
        if self.language is not None:
            params["locale"] = cast(Any, self.language)
        if self.automatic_tax:
            params["automatic_tax"] = {"enabled": True}
        return params

    def _reference(self) -> str | None:
        if self.basket_id is not None:
            return f"basket-{self.basket_id}"
        return f"user-{self.user.id}" if self.user is not None else None

    def options(self) -> stripe.RequestOptions:
        return {"idempotency_key": self.idempotency_key} if self.idempotency_key else {}

    def get_session_payments(self) -> stripe.checkout.Session:
        """Create the Checkout Session (blocking; for use by hand and in scripts)."""
        coupon_id = self._resolve_promo()
        customer_id = None  # a guest: Stripe's page asks for the email
        if self.user is not None:
            customer_id = customers.ensure_customer(self.client, self.user, self.shipping)
        return self.client.v1.checkout.sessions.create(
            self.params(coupon_id, customer_id), self.options()
        )

    async def get_session_payments_async(self) -> stripe.checkout.Session:
        coupon_id = await self._resolve_promo_async()
        customer_id = None  # a guest: Stripe's page asks for the email
        if self.user is not None:
            customer_id = await customers.ensure_customer_async(
                self.client, self.user, self.shipping
            )
        return await self.client.v1.checkout.sessions.create_async(
            self.params(coupon_id, customer_id), self.options()
        )

    def _resolve_promo(self) -> str | None:
        promo = self.promo
        if promo is None or isinstance(promo, str):
            return promo
        if isinstance(promo, int):
            coupons = self.client.v1.coupons.list({"limit": 100})
            return _match_local_coupon(promo, coupons.auto_paging_iter())
        return _stripe_id_of(promo)

    async def _resolve_promo_async(self) -> str | None:
        promo = self.promo
        if promo is None or isinstance(promo, str):
            return promo
        if isinstance(promo, int):
            coupons = await self.client.v1.coupons.list_async({"limit": 100})
            found = [c async for c in coupons.auto_paging_iter()]
            return _match_local_coupon(promo, iter(found))
        return _stripe_id_of(promo)


def shipping_rate_data(
    option: ShippingOptionLike,
    currency: str,
    tax_behavior: Literal["inclusive", "exclusive"] | None = None,
) -> SessionCreateParamsShippingOption:
    """A store's shipping option as Checkout's `shipping_rate_data` (a fixed amount, with
    its delivery estimate in business days when it has one)."""
    data: SessionCreateParamsShippingOptionShippingRateData = {
        "type": "fixed_amount",
        "display_name": option.name,
        "fixed_amount": {"amount": option.amount, "currency": currency},
    }
    if tax_behavior is not None:
        data["tax_behavior"] = tax_behavior
    if option.method_id is not None:
        data["metadata"] = {"vitrina_shipping_method_id": str(option.method_id)}
    estimate: SessionCreateParamsShippingOptionShippingRateDataDeliveryEstimate = {}
    if option.min_days is not None:
        estimate["minimum"] = {"unit": "business_day", "value": option.min_days}
    if option.max_days is not None:
        estimate["maximum"] = {"unit": "business_day", "value": option.max_days}
    if estimate:
        data["delivery_estimate"] = estimate
    return {"shipping_rate_data": data}


def shipping_rate_ids(created: stripe.checkout.Session) -> list[str]:
    """The Stripe rates a session made for its shipping options, in their order."""
    found = []
    for option in created.shipping_options or []:
        rate = option.shipping_rate
        found.append(rate if isinstance(rate, str) else rate.id)
    return found


def added_tax(remote: stripe.checkout.Session) -> int:
    """The tax Stripe added on top of the prices (exclusive rates, shipping's included): the
    total less the subtotal, discount and shipping. Tax included in prices adds nothing."""
    details = remote.total_details
    if details is None:
        return 0
    before_tax = (remote.amount_subtotal or 0) - details.amount_discount
    before_tax += details.amount_shipping or 0
    return (remote.amount_total or 0) - before_tax


def tax_breakdown(remote: stripe.checkout.Session) -> list[dict[str, Any]]:
    """The session's tax per rate (`total_details.breakdown`, when expanded), plain."""
    details = remote.total_details
    breakdown = getattr(details, "breakdown", None) if details is not None else None
    if breakdown is None:
        return []
    return [
        {
            "name": tax.rate.display_name,
            "percentage": f"{Decimal(str(tax.rate.percentage)).normalize():f}",
            "country": tax.rate.country,
            "region": tax.rate.state,
            "inclusive": tax.rate.inclusive,
            "amount": tax.amount,
            "taxable_amount": tax.taxable_amount,
        }
        for tax in breakdown.taxes
    ]


def chosen_shipping(remote: stripe.checkout.Session) -> tuple[str | None, int | None]:
    """The rate id and amount (before tax) of the shipping option the customer chose."""
    cost = remote.shipping_cost
    if cost is None:
        return None, None
    rate = cost.shipping_rate
    rate_id = rate if isinstance(rate, str) or rate is None else rate.id
    return rate_id, cost.amount_subtotal


def _match_local_coupon(local_id: int, coupons: Any) -> str:
    """The newest valid Stripe coupon the sync made for local coupon `local_id` (its
    deterministic id, or its `vitrina_coupon_id` metadata, names the local row)."""
    for coupon in coupons:
        metadata = coupon.metadata.to_dict() if coupon.metadata else {}
        mine = coupon_local_id(str(coupon.id)) == local_id or metadata.get(
            "vitrina_coupon_id"
        ) == str(local_id)
        if mine and coupon.valid:
            return str(coupon.id)
    raise BadRequest(f"Coupon {local_id} has no valid Stripe coupon yet; sync it first.")


def _stripe_id_of(coupon: CouponLike) -> str:
    if not coupon.stripe_id:
        raise BadRequest(f"Coupon {coupon.id} has no Stripe coupon yet; sync it first.")
    return coupon.stripe_id


class ExpireSession:
    """Cancel an open Checkout Session (the seed's `ExpireSession(session_id=...)`)."""

    def __init__(self, session_id: str, *, client: stripe.StripeClient | None = None) -> None:
        if not session_id:
            raise BadRequest("There is no Checkout Session to expire.")
        self.session_id = session_id
        self.client = client or make_stripe_client()

    def expire_session(self) -> stripe.checkout.Session:
        return self.client.v1.checkout.sessions.expire(self.session_id)

    async def expire_session_async(self) -> stripe.checkout.Session:
        return await self.client.v1.checkout.sessions.expire_async(self.session_id)
