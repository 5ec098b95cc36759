"""The seed's Stripe classes, written as its examples use them: `Xxx(values)`, `await x.action()`.

They act on Stripe directly (by hand, from a shell or a script), with the same idempotent
steps as the sync worker: a product is `vitrina_prod_<id>`, a coupon
`vitrina_coupon_<id>_<hash8>` plus a promotion code carrying `number`. Configuration comes
from the environment (STRIPE_API_KEY, STRIPE_API_BASE) through `make_stripe_client()`, or from
an explicit `client=`. In the app, staff changes go through the sync worker instead.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import stripe
from pydantic import ValidationError
from sqlalchemy.exc import InvalidRequestError

from vitrina.catalog.models import ProductVariant
from vitrina.config import get_settings
from vitrina.coupons.schemas import CouponCreate
from vitrina.errors import NotFound, Unprocessable
from vitrina.kit.clock import to_unix
from vitrina.payments.client import make_stripe_client, stripe_api_key
from vitrina.payments.sync.coupons import CouponResult, CouponTarget, push_coupon
from vitrina.payments.sync.ids import coupon_local_id, product_stripe_id, variant_lookup_key
from vitrina.payments.sync.products import (
    ProductResult,
    ProductTarget,
    default_price_of,
    fetch_product,
    push_product,
)
from vitrina.payments.sync.stripe_io import Delivery, as_vitrina_error
from vitrina.payments.sync.variant_prices import variant_of


class Stripe(ABC):
    """The seed's abstract base: holds `values` and a Stripe client; `action()` does the work."""

    kind = "item"

    def __init__(
        self, values: Mapping[str, Any] | None = None, *, client: stripe.StripeClient | None = None
    ) -> None:
        self.values: dict[str, Any] = dict(values or {})
        self._client = client

    @property
    def client(self) -> stripe.StripeClient:
        if self._client is None:
            self._client = make_stripe_client()
        return self._client

    @property
    def local_id(self) -> int:
        value = self.values.get("id")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise Unprocessable("values['id'] must be the local id, a positive integer.")
        return value

    def delivery(self) -> Delivery:
        """Fresh idempotency keys per action; repeated actions stay safe through stable ids."""
        return Delivery(self.client, f"vitrina:seed:{self.kind}:{self.local_id}:{uuid.uuid4().hex}")

    async def action(self) -> Any:
        try:
            return await self.run()
        except stripe.StripeError as error:
            raise as_vitrina_error(error) from error

    @abstractmethod
    async def run(self) -> Any: ...


def _price(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Unprocessable("price must be a non-negative integer in minor units, e.g. 50000.")
    return value


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Unprocessable("name must be a non-empty string.")
    return value


class CreateStripeItem(Stripe):
    """Create the Stripe product for `values` (`id`, `name`, `price`; optional `currency`,
    `active`) with its default price. Running it again changes nothing."""

    kind = "product"

    async def run(self) -> ProductResult:
        target = ProductTarget(
            local_id=self.local_id,
            name=_name(self.values.get("name")),
            price=_price(self.values.get("price")),
            currency=str(self.values.get("currency") or get_settings().store_currency).lower(),
            active=bool(self.values.get("active", True)),
        )
        return await push_product(self.delivery(), target)


class UpdateStripeItem(Stripe):
    """Change what `values` names (`name`, `price`, `currency`, `active`) on an existing
    Stripe product; a new price becomes the default and the old one is archived."""

    kind = "product"

    async def run(self) -> ProductResult:
        delivery = self.delivery()
        product = await fetch_product(delivery, product_stripe_id(self.local_id))
        if product is None:
            raise NotFound(f"Stripe has no product {product_stripe_id(self.local_id)}.")
        price = default_price_of(product)
        current_amount = price.unit_amount if price is not None else None
        amount = self.values.get("price", current_amount)
        currency = self.values.get("currency") or (
            price.currency if price is not None else get_settings().store_currency
        )
        target = ProductTarget(
            local_id=self.local_id,
            name=_name(self.values.get("name", product.name)),
            price=_price(amount),
            currency=str(currency).lower(),
            active=bool(self.values.get("active", product.active)),
        )
        return await push_product(delivery, target)


class ActivateStipeItem(UpdateStripeItem):
    """Make the Stripe product active again (the seed's spelling)."""

    def __init__(
        self, values: Mapping[str, Any] | None = None, *, client: stripe.StripeClient | None = None
    ) -> None:
        super().__init__({**(values or {}), "active": True}, client=client)


ActivateStripeItem = ActivateStipeItem


class DeactivateStripeItem(UpdateStripeItem):
    """Archive the Stripe product: it can no longer be bought."""

    def __init__(
        self, values: Mapping[str, Any] | None = None, *, client: stripe.StripeClient | None = None
    ) -> None:
        super().__init__({**(values or {}), "active": False}, client=client)


class StripeItems:
    """Local products and variants as Checkout Session line items, at the store's CURRENT
    prices.

    `products` may hold products, variants (`ProductVariant`), `(product, variant)` pairs,
    checkout's `Sold` lines (`.product` and `.variant`) and basket lines (`.product`,
    `.quantity`, and `.variant` when loaded). A product line carries `price_data` with the
    store's price; it names the Stripe product (`product`) once the product exists in
    Stripe, else describes it (`product_data`). A variant of a product with options is sold at
    its own synced Stripe Price (`price`) while that Price is the variant's current amount,
    else as `price_data` like a product. An item listed twice counts twice; an object with a
    `quantity` counts that many. `add_key=True` is for manual use: the instance makes its
    own client from the environment (the API key goes with every request), checks that the
    named Stripe products can be sold and finds variants' Prices by SKU
    (`Price.list(lookup_keys=[sku])`).
    """

    def __init__(
        self,
        products: Iterable[Any],
        add_key: bool = False,
        *,
        client: stripe.StripeClient | None = None,
        currency: str | None = None,
    ) -> None:
        self.products = list(products)
        self.add_key = add_key
        self.currency = currency
        self.client = client or (make_stripe_client() if add_key else None)
        self.api_key = stripe_api_key(get_settings()) if add_key else None

    def line_items(
        self, sellable: set[str] | None = None, found: dict[int, str] | None = None
    ) -> list[stripe.params.checkout.SessionCreateParamsLineItem]:
        """`sellable`: the Stripe products known active; `found`: variant id -> the active
        Price at its current amount (both from `action()`; without them, what the rows say)."""
        lines: dict[tuple[int, int | None], stripe.params.checkout.SessionCreateParamsLineItem]
        lines = {}
        for item in self.products:
            product, variant, quantity = _line_of(item)
            key = (_product_id(product, variant), variant.id if variant is not None else None)
            if key in lines:
                lines[key]["quantity"] = lines[key].get("quantity", 0) + quantity
                continue
            price_id = _variant_price(variant, found)
            if price_id is not None:
                lines[key] = {"price": price_id, "quantity": quantity}
            else:
                lines[key] = {
                    "price_data": self._price_data(product, variant, sellable),
                    "quantity": quantity,
                }
        return list(lines.values())

    def _price_data(
        self, product: Any, variant: ProductVariant | None, sellable: set[str] | None
    ) -> stripe.params.checkout.SessionCreateParamsLineItemPriceData:
        own = getattr(product, "currency", None) if product is not None else None
        currency = (self.currency or own or get_settings().store_currency).lower()
        amount = int(variant.price if variant is not None else product.price)
        product_id = _product_id(product, variant)
        stripe_id = getattr(product, "stripe_id", None) if product is not None else None
        if product is None and sellable is not None:  # a bare variant: its product by id
            stripe_id = product_stripe_id(product_id)
        if stripe_id and (sellable is None or stripe_id in sellable):
            return {"currency": currency, "unit_amount": amount, "product": stripe_id}
        return {
            "currency": currency,
            "unit_amount": amount,
            "product_data": {
                "name": _name_of(product, variant),
                "metadata": {"vitrina_product_id": str(product_id)},
            },
        }

    get_items = line_items

    async def action(self) -> list[stripe.params.checkout.SessionCreateParamsLineItem]:
        """Line items; with a client, only active Stripe products are named by id, and a
        variant's Price is the one its SKU looks up, if it is active at the variant's price."""
        if self.client is None:
            return self.line_items()
        lines = [_line_of(item) for item in self.products]
        ids = {
            getattr(p, "stripe_id", None) or product_stripe_id(_product_id(p, v))
            for p, v, _ in lines
            if p is None or getattr(p, "stripe_id", None)
        }
        variants = [v for _, v, _ in lines if v is not None and v.combination]
        try:
            sellable = await self._active_products(sorted(ids))
            found = await self._variant_prices(variants)
        except stripe.StripeError as error:
            raise as_vitrina_error(error) from error
        return self.line_items(sellable, found)

    async def _active_products(self, ids: list[str]) -> set[str]:
        assert self.client is not None
        sellable: set[str] = set()
        for start in range(0, len(ids), 100):
            page = await self.client.v1.products.list_async(
                {"ids": ids[start : start + 100], "active": True, "limit": 100}
            )
            sellable.update(p.id for p in page.data)
        return sellable

    async def _variant_prices(self, variants: list[ProductVariant]) -> dict[int, str]:
        """variant id -> the active Price its lookup key (SKU) names, if it sells that
        variant at its current amount (Stripe takes up to ten lookup keys a call)."""
        assert self.client is not None
        wanted = {variant_lookup_key(v.id, v.sku): v for v in variants if v.is_active}
        keys = sorted(wanted)
        found: dict[int, str] = {}
        for start in range(0, len(keys), 10):
            page = await self.client.v1.prices.list_async(
                {"lookup_keys": keys[start : start + 10], "active": True, "limit": 10}
            )
            for price in page.data:
                variant = wanted.get(price.lookup_key or "")
                if (
                    variant
                    and variant_of(price) == variant.id
                    and price.unit_amount == variant.price
                ):
                    found[variant.id] = price.id
        return found


def _loaded(item: Any, name: str) -> Any:
    """`item.name`, or None when absent or an ORM relationship that was not loaded."""
    try:
        return getattr(item, name, None)
    except InvalidRequestError:
        return None


def _line_of(item: Any) -> tuple[Any, ProductVariant | None, int]:
    """(product or None for a bare variant, variant or None, quantity) of one item."""
    if isinstance(item, tuple):
        product, variant = item
        return product, variant, 1
    if isinstance(item, ProductVariant):
        return None, item, 1
    product = _loaded(item, "product")
    if product is None:
        return item, None, 1
    variant = _loaded(item, "variant")
    quantity = int(getattr(item, "quantity", 1))
    if not isinstance(variant, ProductVariant):
        return product, None, quantity
    named = item if isinstance(_loaded(item, "name"), str) else product  # `Sold`: with options
    return named, variant, quantity


def _product_id(product: Any, variant: ProductVariant | None) -> int:
    return int(product.id) if product is not None else variant.product_id if variant else 0


def _variant_price(variant: ProductVariant | None, found: dict[int, str] | None) -> str | None:
    """A variant's synced Price: the one `action()` looked up by SKU, else the one the
    worker recorded, if it is still the variant's price."""
    if variant is None or not variant.combination or not variant.is_active:
        return None
    if found is not None:
        return found.get(variant.id)
    current = variant.stripe_price_amount == variant.price
    return variant.stripe_price_id if current else None


def _name_of(product: Any, variant: ProductVariant | None) -> str:
    if product is not None:
        return str(product.name)
    assert variant is not None
    return variant.sku or f"Variant {variant.id}"


AMOUNT_REFUSED = (
    "The seed's coupon classes make percent-off coupons (`discount`) only; an amount-off "
    "coupon (amount_off per currency) is made and changed through /api/v1/coupons or the "
    "admin, whose sync gives it its amount in every currency."
)


def _coupon_target(local_id: int, values: Mapping[str, Any], deleted: bool = False) -> CouponTarget:
    if values.get("amount_off") is not None:
        raise Unprocessable(AMOUNT_REFUSED, field="amount_off")
    try:
        data = CouponCreate.model_validate(
            {
                "number": values.get("number"),
                "discount": values.get("discount"),
                "end_at": values.get("end_at"),
            }
        )
    except ValidationError as error:
        problems = "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in error.errors())
        raise Unprocessable(f"Invalid coupon values: {problems}") from error
    return CouponTarget(
        local_id=local_id,
        number=data.number,
        discount=data.discount,
        end_at=to_unix(data.end_at),
        active=bool(values.get("active", True)),
        deleted=deleted,
    )


class _CouponAction(Stripe):
    kind = "coupon"

    async def stripe_coupons(self) -> list[stripe.Coupon]:
        """Every Stripe coupon made for this local id (newest first)."""
        found: list[stripe.Coupon] = []
        page = await self.client.v1.coupons.list_async({"limit": 100})
        async for coupon in page.auto_paging_iter():
            if coupon_local_id(coupon.id) == self.local_id:
                found.append(coupon)
        return found

    async def current_values(self, coupons: list[stripe.Coupon]) -> dict[str, Any]:
        """The terms Stripe holds for this coupon: from its metadata and active code."""
        if not coupons:
            raise NotFound(f"Stripe has no coupon for local coupon {self.local_id}.")
        for coupon in coupons:
            codes = await self.client.v1.promotion_codes.list_async(
                {"coupon": coupon.id, "active": True, "limit": 1}
            )
            if codes.data or coupon is coupons[-1]:
                meta: dict[str, str] = coupon.metadata.to_dict() if coupon.metadata else {}
                terms: dict[str, Any] = {
                    "number": codes.data[0].code if codes.data else coupon.name,
                    "end_at": int(meta.get("end_at") or coupon.redeem_by or 0),
                    "active": bool(codes.data),
                }
                if coupon.amount_off is not None:
                    terms.update(amount_off=coupon.amount_off, currency=coupon.currency or "")
                else:
                    terms["discount"] = Decimal(meta.get("discount") or str(coupon.percent_off))
                return terms
        raise AssertionError("unreachable")


class CreateDiscountCoupon(_CouponAction):
    """Create the Stripe coupon (`percent_off`, `redeem_by` capped to Stripe's five years)
    and the promotion code `number` for `values` (`id`, `number`, `discount`, `end_at`)."""

    async def run(self) -> CouponResult:
        target = _coupon_target(self.local_id, self.values)
        known = [c.id for c in await self.stripe_coupons()]
        return await push_coupon(self.delivery(), target, known)


class UpdateDiscountCoupon(_CouponAction):
    """Change `number` (a new promotion code; the old one is deactivated), or `discount` /
    `end_at` (a new coupon replaces the old, which is deleted)."""

    async def run(self) -> CouponResult:
        coupons = await self.stripe_coupons()
        current = await self.current_values(coupons)
        if "amount_off" in current and self.values.get("discount") is None:
            raise Unprocessable(AMOUNT_REFUSED, field="amount_off")
        current.pop("amount_off", None)
        merged = {**current, **self.values}
        target = _coupon_target(self.local_id, merged)
        return await push_coupon(self.delivery(), target, [c.id for c in coupons])


class DeleteDiscountCoupon(_CouponAction):
    """Delete the Stripe coupon(s) of `values['id']` and deactivate their promotion codes."""

    async def run(self) -> CouponResult:
        coupons = await self.stripe_coupons()
        if not coupons:
            return CouponResult(None, None)
        current = await self.current_values(coupons)
        # An amount-off coupon's id is not rebuilt here (its currency options are not
        # listed); every Stripe coupon of this id is among those deleted anyway.
        target = CouponTarget(
            local_id=self.local_id,
            number=str(current["number"]),
            discount=current.get("discount"),
            end_at=current["end_at"],
            active=False,
            deleted=True,
            amount_off=current.get("amount_off"),
            currency=current.get("currency", ""),
        )
        return await push_coupon(self.delivery(), target, [c.id for c in coupons])


__all__ = [
    "ActivateStipeItem",
    "ActivateStripeItem",
    "CreateDiscountCoupon",
    "CreateStripeItem",
    "DeactivateStripeItem",
    "DeleteDiscountCoupon",
    "Stripe",
    "StripeItems",
    "UpdateDiscountCoupon",
    "UpdateStripeItem",
]
