"""A basket line's variant as checkout sells it: the product's name with the variant's
option values, the variant's price and SKU, the product's Stripe Product.

`Sold` has the attributes of a product that the seed's `StripeSession` and the price quote
read (`id`, `name`, `name_<lang>`, `price`, `currency`, `stripe_id`, sync versions), so a
one-variant product is sold exactly as before: same name, same price, its synced Stripe
Product; a variant with options is named "T-shirt (Size: M, Colour: red)".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, cast

from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import ProductOption, ProductVariant
from vitrina.catalog.variants import option_text, options_by_product
from vitrina.config import get_settings
from vitrina.kit.languages import LANGUAGES


class SoldProduct(Protocol):
    """What `Sold` reads of a product: a `Product`, or a basket's `rows.ProductRow`."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def currency(self) -> str: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def stripe_id(self) -> str | None: ...
    @property
    def sync_version(self) -> int: ...
    @property
    def synced_version(self) -> int: ...
    @property
    def weight_grams(self) -> int: ...
    @property
    def ships_to(self) -> str | None: ...
    @property
    def tax_class(self) -> str: ...


class SoldVariant(Protocol):
    """What `Sold` reads of a variant: a `ProductVariant` (its option values loaded), or a
    basket's `rows.VariantRow`."""

    @property
    def id(self) -> int: ...
    @property
    def combination(self) -> str: ...
    @property
    def sku(self) -> str | None: ...
    @property
    def price(self) -> int: ...
    @property
    def stock(self) -> int: ...
    @property
    def weight_grams(self) -> int | None: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def stripe_price_id(self) -> str | None: ...
    @property
    def stripe_price_amount(self) -> int | None: ...


class Sold:
    """One variant of one product, readable as the product the seed's classes expect."""

    def __init__(
        self, product: SoldProduct, variant: SoldVariant, options: Sequence[ProductOption] = ()
    ) -> None:
        self.product = product
        self.variant = variant
        self._options = options
        store = get_settings().store_language
        # `option_text` reads only the variant's `values`, which both kinds of variant have.
        named = cast(ProductVariant, variant)
        self.option_texts: dict[str, str] = {
            language: option_text(named, options, language) if variant.combination else ""
            for language in LANGUAGES
        }
        self.options = self.option_texts[store]
        self._priced_in: tuple[str, int] | None = None
        for language in LANGUAGES:
            own = getattr(product, f"name_{language}", None)
            setattr(self, f"name_{language}", self._with_options(own, language) if own else None)

    def _with_options(self, name: str, language: str) -> str:
        text = self.option_texts.get(language, "")
        return f"{name} ({text})" if text else name

    @property
    def id(self) -> int:
        return self.product.id

    @property
    def variant_id(self) -> int:
        return self.variant.id

    @property
    def name(self) -> str:
        return self._with_options(self.product.name, get_settings().store_language)

    @property
    def sku(self) -> str | None:
        return self.variant.sku

    def priced_in(self, currency: str, amount: int) -> None:
        """Sell it in `currency` (the shopper's) at `amount` (`basket/in_currency.py`)."""
        self._priced_in = (currency, amount)

    @property
    def price(self) -> int:
        return self._priced_in[1] if self._priced_in else self.variant.price

    @property
    def currency(self) -> str:
        return self._priced_in[0] if self._priced_in else self.product.currency

    @property
    def stripe_id(self) -> str | None:
        return self.product.stripe_id

    @property
    def synced_price_id(self) -> str | None:
        """The variant's own Stripe Price, when the worker has made it for the product's
        current version and at the variant's current price (else None: checkout sends
        `price_data` and never waits for the worker). None too when it is sold in another
        currency: `price_data` then charges exactly the converted amount the basket showed."""
        variant, product = self.variant, self.product
        current = (
            self._priced_in is None
            and variant.combination != ""
            and variant.is_active
            and variant.stripe_price_amount == variant.price
            and product.stripe_id is not None
            and product.synced_version >= product.sync_version
        )
        return variant.stripe_price_id if current else None

    @property
    def sync_version(self) -> int:
        return self.product.sync_version

    @property
    def synced_version(self) -> int:
        return self.product.synced_version

    @property
    def weight_grams(self) -> int:
        """The variant's own weight, else its product's."""
        own = self.variant.weight_grams
        return own if own is not None else self.product.weight_grams

    @property
    def ships_to(self) -> str | None:
        return self.product.ships_to

    @property
    def tax_class(self) -> str:
        return self.product.tax_class

    @property
    def is_active(self) -> bool:
        return self.product.is_active and self.variant.is_active


async def sold_variants(
    session: AsyncSession, pairs: Iterable[tuple[SoldProduct, SoldVariant]]
) -> list[Sold]:
    """`Sold` for each (product, variant loaded with its values); the options are read in
    one query, and only when some variant has any."""
    pairs = list(pairs)
    with_options = {p.id for p, v in pairs if v.combination}
    options = await options_by_product(session, with_options)
    return [Sold(p, v, options.get(p.id, ())) for p, v in pairs]
