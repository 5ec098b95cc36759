"""Catalogue reads (`GET /products`, `GET /products/{id}`) with `?currency=`: their prices
shown in it, converted as the basket will charge them (hand-set variant prices win)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from vitrina.catalog.models import ProductVariant
from vitrina.config import Settings
from vitrina.currencies.pricing import Pricing
from vitrina.currencies.service import pricing_for
from vitrina.db import db_helper


class PricedVariant(Protocol):
    id: int
    price: int
    compare_at_price: int | None


class PricedProduct(Protocol):
    price: int
    price_max: int | None
    currency: str

    @property
    def variants(self) -> Iterable[PricedVariant]: ...


async def reader_pricing(
    reader: AsyncConnection, settings: Settings, code: str, product_id: int | None = None
) -> Pricing:
    """`pricing_for` on a catalogue reader (422 for a currency the store does not sell in),
    with the hand-set prices of `product_id`'s variants."""
    async with db_helper.session_over(reader) as session:
        ids: list[int] = []
        if product_id is not None:
            query = select(ProductVariant.id).where(ProductVariant.product_id == product_id)
            ids = list(await session.scalars(query))
        return await pricing_for(session, settings, code, ids)


def convert_items(items: list[dict[str, Any]], pricing: Pricing) -> None:
    """A list page's items (plain dicts), in place."""
    for item in items:
        item["price"] = pricing.price(item["price"])
        if item.get("price_max") is not None:
            item["price_max"] = pricing.price(item["price_max"])
        item["currency"] = pricing.currency


def convert_product(product: PricedProduct, pricing: Pricing) -> None:
    """A product page's model, in place: each variant at its price in the currency, the
    product's "from" and "to" as the lowest and highest of them."""
    variants = list(product.variants)
    for variant in variants:
        variant.price = pricing.price(variant.price, variant.id)
        if variant.compare_at_price is not None:
            variant.compare_at_price = pricing.price(variant.compare_at_price)
    prices = sorted(v.price for v in variants)
    if not variants and len(pricing.explicit) == 1:  # one variant, not listed: its price
        prices = list(pricing.explicit.values())
    product.price = prices[0] if prices else pricing.price(product.price)
    if prices and prices[-1] != prices[0]:
        product.price_max = prices[-1]
    elif product.price_max is not None and not prices:
        product.price_max = pricing.price(product.price_max)
    else:
        product.price_max = None
    product.currency = pricing.currency
