"""Each variant of a product with options is a Price on its product's Stripe Product.

The Price is found by what it sells, never by a stored id: its metadata names the variant
(`vitrina_variant_id`), and its amount and currency are the variant's. Its `lookup_key` is the
variant's SKU (`vitrina_variant_<id>` for one without), so `Price.list(lookup_keys=[sku])`
finds what a SKU costs now. A new amount is a new Price that takes the lookup key over
(`transfer_lookup_key`); the variant's other Prices are archived; returning to an earlier
amount reactivates that Price instead of making a twin. A deactivated variant's Prices, and
those of variants the product no longer has, are archived. Every step is safe to repeat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import stripe

from vitrina.payments.sync.currency_options import converge_currency_options
from vitrina.payments.sync.ids import VARIANT_KEY, variant_lookup_key
from vitrina.payments.sync.stripe_io import Delivery

PriceParams = Callable[..., stripe.params.PriceCreateParams]


@dataclass(frozen=True)
class VariantTarget:
    """What Stripe must show for one variant of a product with options."""

    variant_id: int
    sku: str | None
    price: int
    active: bool
    options: str
    """The variant's option values as the store names them: "Size: M, Colour: red"."""
    currency_options: tuple[tuple[str, int], ...] = ()
    """The Price's amount per other enabled currency (`currency_options.py`)."""

    @property
    def lookup_key(self) -> str:
        return variant_lookup_key(self.variant_id, self.sku)

    def metadata(self, product_id: int) -> dict[str, str]:
        named = {"vitrina_product_id": str(product_id), VARIANT_KEY: str(self.variant_id)}
        if self.sku:  # an empty metadata value would mean "remove the key"
            named["vitrina_sku"] = self.sku
        if self.options:
            named["vitrina_options"] = self.options[:500]
        return named


@dataclass(frozen=True)
class VariantPrice:
    """The Price a variant is sold at now (None for an inactive variant)."""

    variant_id: int
    price_id: str | None
    amount: int | None


def metadata_of(price: stripe.Price) -> dict[str, str]:
    found: dict[str, str] = price.metadata.to_dict() if price.metadata else {}
    return found


def variant_of(price: stripe.Price) -> int | None:
    """The variant a Price sells (its metadata says), None for a product's own Price."""
    value = metadata_of(price).get(VARIANT_KEY, "")
    return int(value) if value.isdigit() else None


async def prices_by_variant(
    delivery: Delivery, product_stripe_id: str
) -> dict[int, list[stripe.Price]]:
    """Every variant Price of the product (active or not), newest first, by variant id."""
    delivery.guard()
    page = await delivery.client.v1.prices.list_async({"product": product_stripe_id, "limit": 100})
    found: dict[int, list[stripe.Price]] = {}
    async for price in page.auto_paging_iter():
        variant_id = variant_of(price)
        if variant_id is not None:
            found.setdefault(variant_id, []).append(price)
    return found


async def push_variant_prices(
    delivery: Delivery,
    product_stripe_id: str,
    product_id: int,
    currency: str,
    variants: tuple[VariantTarget, ...],
    price_params: PriceParams,
) -> tuple[VariantPrice, ...]:
    """Converge the variants' Prices on `variants` (new ones made by `price_params`, the
    store's one Price payload); returns the Price each variant is sold at now."""
    existing = await prices_by_variant(delivery, product_stripe_id)
    results: list[VariantPrice] = []
    for variant in variants:
        prices = existing.pop(variant.variant_id, [])
        keep: stripe.Price | None = None
        if variant.active:
            keep = await _current_price(
                delivery, product_stripe_id, product_id, currency, variant, prices, price_params
            )
        for price in prices:
            if price.active and (keep is None or price.id != keep.id):
                await _archive(delivery, price)
        results.append(
            VariantPrice(
                variant.variant_id,
                keep.id if keep else None,
                keep.unit_amount if keep else None,
            )
        )
    for gone in existing.values():  # variants deleted in the store
        for price in gone:
            if price.active:
                await _archive(delivery, price)
    return tuple(results)


async def _current_price(
    delivery: Delivery,
    product_stripe_id: str,
    product_id: int,
    currency: str,
    variant: VariantTarget,
    prices: list[stripe.Price],
    price_params: PriceParams,
) -> stripe.Price:
    """The variant's Price at its amount: reused (its lookup key and metadata brought up to
    date), reactivated, or created; the lookup key moves to it from any other Price."""
    metadata = variant.metadata(product_id)
    same = [p for p in prices if p.unit_amount == variant.price and p.currency.lower() == currency]
    if not same:
        params = price_params(
            product_stripe_id,
            currency,
            variant.price,
            lookup_key=variant.lookup_key,
            metadata=metadata,
            currency_options=variant.currency_options,
        )
        params["transfer_lookup_key"] = True
        if variant.options:
            params["nickname"] = variant.options[:250]
        return await delivery.client.v1.prices.create_async(
            params, delivery.options(f"variant-{variant.variant_id}-{currency}-{variant.price}")
        )
    price = next((p for p in same if p.active), same[0])
    price = await converge_currency_options(
        delivery, price, variant.currency_options, f"variant-{variant.variant_id}"
    )
    current = metadata_of(price)
    if price.active and price.lookup_key == variant.lookup_key and current == metadata:
        return price
    dropped: dict[str, str] = {key: "" for key in current if key not in metadata}
    change: stripe.params.PriceUpdateParams = {
        "active": True,
        "lookup_key": variant.lookup_key,
        "transfer_lookup_key": True,
        "metadata": {**dropped, **metadata},
        "nickname": variant.options[:250],
    }
    return await delivery.client.v1.prices.update_async(
        price.id,
        change,
        delivery.options(f"variant-{variant.variant_id}-update-{price.id}"),
    )


async def _archive(delivery: Delivery, price: stripe.Price) -> None:
    await delivery.client.v1.prices.update_async(
        price.id, {"active": False}, delivery.options(f"archive-{price.id}")
    )
