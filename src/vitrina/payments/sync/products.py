"""Bring a Stripe Product (its default Price, and its variants' Prices) to a product's state.

Every Price the store makes is described by ONE function, `price_params`: the product's own
Prices and its variants' alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import stripe
from stripe.params import ProductCreateParamsDefaultPriceData

from vitrina.payments.sync.currency_options import converge_currency_options
from vitrina.payments.sync.ids import VARIANT_KEY, price_lookup_key, product_stripe_id
from vitrina.payments.sync.stripe_io import Delivery, already_exists, is_missing
from vitrina.payments.sync.variant_prices import VariantPrice, VariantTarget, push_variant_prices


@dataclass(frozen=True)
class ProductTarget:
    """What Stripe must show for one local product."""

    local_id: int
    name: str
    price: int
    currency: str
    active: bool
    variants: tuple[VariantTarget, ...] | None = None
    """The variants of a product with options, each a Price of its own; None leaves the
    variants' Prices as they are (a product without options, the seed's classes)."""
    currency_options: tuple[tuple[str, int], ...] = ()
    """The Price's amount per other enabled currency (`currency_options.py`)."""

    @property
    def stripe_id(self) -> str:
        return product_stripe_id(self.local_id)

    @property
    def lookup_key(self) -> str:
        return price_lookup_key(self.local_id, self.currency, self.price)


@dataclass(frozen=True)
class ProductResult:
    stripe_id: str
    price_id: str
    price_amount: int
    variant_prices: tuple[VariantPrice, ...] = ()


def price_params(
    product_stripe_id: str,
    currency: str,
    amount: int,
    *,
    lookup_key: str,
    metadata: dict[str, str],
    currency_options: tuple[tuple[str, int], ...] = (),
) -> stripe.params.PriceCreateParams:
    """The one place a Price's payload is made (a product's and a variant's alike), with its
    amount in each other enabled currency (`currency_options.py`)."""
    params: stripe.params.PriceCreateParams = {
        "product": product_stripe_id,
        "currency": currency,
        "unit_amount": amount,
        "lookup_key": lookup_key,
        "metadata": metadata,
    }
    if currency_options:
        params["currency_options"] = {
            code: {"unit_amount": unit_amount} for code, unit_amount in currency_options
        }
    return params


def _default_price_data(
    params: stripe.params.PriceCreateParams,
) -> stripe.params.ProductCreateParamsDefaultPriceData:
    """`price_params` as a new product's `default_price_data` (which takes no product,
    lookup key or metadata: those are set on the Price when it changes)."""
    data: ProductCreateParamsDefaultPriceData = {
        "currency": params["currency"],
        "unit_amount": params["unit_amount"],
    }
    if "currency_options" in params:
        data["currency_options"] = params["currency_options"]
    return data


def is_product_price(price: stripe.Price) -> bool:
    """A product's own Price, not one of its variants'."""
    return not price.metadata or VARIANT_KEY not in price.metadata.to_dict()


def _metadata(target: ProductTarget) -> dict[str, str]:
    return {"vitrina_product_id": str(target.local_id)}


async def fetch_product(delivery: Delivery, stripe_id: str) -> stripe.Product | None:
    delivery.guard()
    try:
        return await delivery.client.v1.products.retrieve_async(
            stripe_id, {"expand": ["default_price"]}
        )
    except stripe.InvalidRequestError as error:
        if is_missing(error):
            return None
        raise


def default_price_of(product: stripe.Product) -> stripe.Price | None:
    price = product.default_price
    return price if isinstance(price, stripe.Price) else None


async def _create(delivery: Delivery, target: ProductTarget) -> stripe.Product:
    try:
        return await delivery.client.v1.products.create_async(
            {
                "id": target.stripe_id,
                "name": target.name,
                "active": target.active,
                "default_price_data": _default_price_data(_params(target)),
                "metadata": _metadata(target),
                "expand": ["default_price"],
            },
            delivery.options("create"),
        )
    except stripe.InvalidRequestError as error:
        if not already_exists(error):
            raise
    product = await fetch_product(delivery, target.stripe_id)
    assert product is not None
    return product


async def _price_for(delivery: Delivery, target: ProductTarget) -> stripe.Price:
    """The one Price for this (product, currency, amount): reused, reactivated or created.

    New prices carry a lookup key per (product, currency, amount), which Stripe keeps unique,
    so two deliveries racing to create the same price end up with one.
    """
    prices = delivery.client.v1.prices
    delivery.guard()
    existing = await prices.list_async({"product": target.stripe_id, "limit": 100})
    same = [
        p
        for p in existing.data
        if p.unit_amount == target.price
        and p.currency.lower() == target.currency
        and is_product_price(p)
    ]
    if same:
        price = next((p for p in same if p.active), same[0])
        if not price.active:
            price = await prices.update_async(
                price.id, {"active": True}, delivery.options(f"price-activate-{price.id}")
            )
        return price
    try:
        return await prices.create_async(
            _params(target), delivery.options(f"price-{target.currency}-{target.price}")
        )
    except stripe.InvalidRequestError as error:
        if error.param != "lookup_key":
            raise
        delivery.guard()
        again = await prices.list_async({"lookup_keys": [target.lookup_key], "limit": 1})
        if not again.data:
            raise
        return again.data[0]


async def _archive_other_prices(delivery: Delivery, target: ProductTarget, keep: str) -> None:
    delivery.guard()
    active = await delivery.client.v1.prices.list_async(
        {"product": target.stripe_id, "active": True, "limit": 100}
    )
    async for price in active.auto_paging_iter():
        if price.id != keep and is_product_price(price):
            await delivery.client.v1.prices.update_async(
                price.id, {"active": False}, delivery.options(f"archive-{price.id}")
            )


async def push_product(delivery: Delivery, target: ProductTarget) -> ProductResult:
    """Create or converge the Stripe Product `vitrina_prod_<id>`; safe to repeat at any point."""
    product = await fetch_product(delivery, target.stripe_id)
    if product is None:
        product = await _create(delivery, target)
    products = delivery.client.v1.products
    if target.active and not product.active:
        product = await products.update_async(
            target.stripe_id, {"active": True}, delivery.options("activate")
        )
    current = default_price_of(product) or await _current_price(delivery, product)
    if current is None or not _matches(current, target):
        new_price = await _price_for(delivery, target)
        await products.update_async(
            target.stripe_id, {"default_price": new_price.id}, delivery.options("default-price")
        )
        await _archive_other_prices(delivery, target, keep=new_price.id)
        current = new_price
    current = await converge_currency_options(delivery, current, target.currency_options, "price")
    if product.name != target.name or product.active != target.active:
        await products.update_async(
            target.stripe_id,
            {"name": target.name, "active": target.active, "metadata": _metadata(target)},
            delivery.options("update"),
        )
    assert current.unit_amount is not None
    variant_prices: tuple[VariantPrice, ...] = ()
    if target.variants is not None:
        variant_prices = await push_variant_prices(
            delivery,
            target.stripe_id,
            target.local_id,
            target.currency,
            target.variants,
            price_params,
        )
    return ProductResult(target.stripe_id, current.id, current.unit_amount, variant_prices)


def _params(target: ProductTarget) -> stripe.params.PriceCreateParams:
    return price_params(
        target.stripe_id,
        target.currency,
        target.price,
        lookup_key=target.lookup_key,
        metadata=_metadata(target),
        currency_options=target.currency_options,
    )


async def _current_price(delivery: Delivery, product: stripe.Product) -> stripe.Price | None:
    price_id = product.default_price
    if not isinstance(price_id, str):
        return None
    delivery.guard()
    return await delivery.client.v1.prices.retrieve_async(price_id)


def _matches(price: stripe.Price, target: ProductTarget) -> bool:
    return (
        price.active
        and price.unit_amount == target.price
        and price.currency.lower() == target.currency.lower()
    )
