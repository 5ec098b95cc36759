"""The product page's option picker: which variant the query string chose, and which
values can still be chosen with the others (the rest are shown disabled).

A plain GET form (`?size=m&colour=red`) reloads the page for the chosen variant, so it works
without JavaScript; with it, htmx sends the same GET on each change and swaps in the part of
the page that follows the variant (price, stock, SKU, images, the basket form). Without a
choice the page shows the first variant in stock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from vitrina.catalog.schemas import ImageOut, OptionOut, ProductOut, VariantOut


@dataclass(frozen=True)
class PickerValue:
    slug: str
    value: str
    selected: bool
    available: bool
    """Some variant in stock has it together with the other options as chosen."""


@dataclass(frozen=True)
class PickerOption:
    slug: str
    name: str
    values: list[PickerValue]


@dataclass(frozen=True)
class Picked:
    variant: VariantOut | None
    options: list[PickerOption]


def _matches(variant: VariantOut, wanted: Mapping[str, str]) -> bool:
    return all(variant.choice.get(option) == value for option, value in wanted.items())


def pick(product: ProductOut, query: Mapping[str, str]) -> Picked:
    """The chosen variant (None when the choice matches none) and the picker's state."""
    if not product.options:
        return Picked(None, [])
    slugs = {option.slug for option in product.options}
    wanted = {key: value for key, value in query.items() if key in slugs}
    variants = product.variants
    if wanted:
        variant = next((v for v in variants if _matches(v, wanted)), None)
    else:
        variant = next((v for v in variants if v.in_stock), variants[0] if variants else None)
    chosen = variant.choice if variant is not None else wanted
    return Picked(variant, [_option(option, chosen, variants) for option in product.options])


def _option(
    option: OptionOut, chosen: Mapping[str, str], variants: list[VariantOut]
) -> PickerOption:
    others = {key: value for key, value in chosen.items() if key != option.slug}
    values = []
    for value in option.values:
        wanted = {**others, option.slug: value.slug}
        values.append(
            PickerValue(
                slug=value.slug,
                value=value.value,
                selected=chosen.get(option.slug) == value.slug,
                available=any(v.in_stock and _matches(v, wanted) for v in variants),
            )
        )
    return PickerOption(option.slug, option.name, values)


def gallery(product: ProductOut, variant: VariantOut | None) -> list[ImageOut]:
    """The product's images, the chosen variant's own first."""
    own = variant.image_id if variant is not None else None
    return sorted(product.images, key=lambda image: image.id != own)
