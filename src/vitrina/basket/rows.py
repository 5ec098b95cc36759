"""A basket's lines, products and variants read as plain rows, for the basket's hot requests.

Every basket answer reads its lines with their products, variants, first images and the stock
other checkouts hold, and every change reads the product and its variant. Hydrating them as
ORM objects (identity map, loaders, result metadata) cost more CPU than PostgreSQL's own work,
so these statements are built once here and run through `reads.run` (asyncpg directly in the
request's transaction; SQLAlchemy on SQLite), and their rows become the small frozen objects
below. They have the attributes of `Product` / `ProductVariant` that `basket.sold.Sold` and
the answer read, so `Sold` takes either.

Nothing here is loaded into the session: these rows are for reading, never for changing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.basket.models import Basket, BasketItem
from vitrina.basket.reservations import held_by_other_checkouts
from vitrina.catalog.models import (
    Product,
    ProductImage,
    ProductOptionValue,
    ProductVariant,
    VariantOptionValue,
)
from vitrina.reads import Row, run


@dataclass(frozen=True, slots=True)
class ProductRow:
    """What a basket reads of a product."""

    id: int
    name: str
    name_en: str | None
    name_ru: str | None
    slug: str
    currency: str
    is_active: bool
    stripe_id: str | None
    sync_version: int
    synced_version: int
    weight_grams: int
    ships_to: str | None
    tax_class: str


@dataclass(frozen=True, slots=True)
class OptionValueRow:
    """One of a variant's option values, as `catalog.variants.option_text` reads it."""

    option_id: int
    value: str
    value_en: str | None
    value_ru: str | None


@dataclass(frozen=True, slots=True)
class VariantRow:
    """What a basket reads of a variant; `values` only for one with a combination."""

    id: int
    product_id: int
    combination: str
    sku: str | None
    price: int
    stock: int
    weight_grams: int | None
    is_active: bool
    image_id: int | None
    stripe_price_id: str | None
    stripe_price_amount: int | None
    values: tuple[OptionValueRow, ...] = ()


@dataclass(frozen=True, slots=True)
class BasketRow:
    """What a basket change and its answer read of the basket itself."""

    id: int
    unique_code: str
    coupon_id: int | None
    session_id: str | None


@dataclass(frozen=True, slots=True)
class LineRow:
    """A basket line as the answer shows it: `held` is what other checkouts hold of its
    variant, `image_path` the variant's image, else the product's first (None: none)."""

    product: ProductRow
    variant: VariantRow
    quantity: int
    held: int
    image_path: str | None


_items = cast(Table, BasketItem.__table__)
_products = cast(Table, Product.__table__)
_variants = cast(Table, ProductVariant.__table__)
_images = cast(Table, ProductImage.__table__)
_values = cast(Table, ProductOptionValue.__table__)
_variant_values = cast(Table, VariantOptionValue.__table__)

_PRODUCT_FIELDS = tuple(f.name for f in fields(ProductRow))
_VARIANT_FIELDS = tuple(f.name for f in fields(VariantRow) if f.name != "values")
_VALUE_FIELDS = tuple(f.name for f in fields(OptionValueRow))


def _product_columns() -> list[Any]:
    return [_products.c[name].label(f"p_{name}") for name in _PRODUCT_FIELDS]


def _variant_columns() -> list[Any]:
    return [_variants.c[name].label(f"v_{name}") for name in _VARIANT_FIELDS]


def product_of(row: Row, prefix: str = "") -> ProductRow:
    """The product in `row`, its columns named `prefix` + the field's name."""
    return ProductRow(*(row[f"{prefix}{name}"] for name in _PRODUCT_FIELDS))


def variant_of(row: Row, values: Sequence[OptionValueRow] = (), prefix: str = "") -> VariantRow:
    """The variant in `row` (columns named `prefix` + the field's name) with `values`."""
    columns = {name: row[f"{prefix}{name}"] for name in _VARIANT_FIELDS}
    return VariantRow(**columns, values=tuple(values))


def option_value_of(row: Row) -> OptionValueRow:
    return OptionValueRow(*(row[name] for name in _VALUE_FIELDS))


def _product(row: Row) -> ProductRow:
    return product_of(row, "p_")


def _variant(row: Row, values: Sequence[OptionValueRow] = ()) -> VariantRow:
    return variant_of(row, values, "v_")


_FIRST_IMAGE = (
    select(_images.c.path)
    .where(_images.c.product_id == _items.c.product_id)
    .order_by(_images.c.position, _images.c.id)
    .limit(1)
    .scalar_subquery()
)
_VARIANT_IMAGE = (
    select(_images.c.path)
    .where(_images.c.id == _variants.c.image_id, _images.c.product_id == _items.c.product_id)
    .scalar_subquery()
)
_LINES = (
    select(
        _items.c.quantity,
        *_product_columns(),
        *_variant_columns(),
        held_by_other_checkouts(_items.c.variant_id).label("held"),
        func.coalesce(_VARIANT_IMAGE, _FIRST_IMAGE).label("image_path"),
    )
    .select_from(
        _items.join(_products, _products.c.id == _items.c.product_id).join(
            _variants, _variants.c.id == _items.c.variant_id
        )
    )
    .where(_items.c.basket_id == bindparam("basket_id"))
    .order_by(_items.c.id)
)
"""The basket's lines joined with their products and variants, what is held of each and the
image it is shown with: one statement."""

_value_columns = [_values.c[name] for name in _VALUE_FIELDS]
_LINES_VALUES = (
    select(_variant_values.c.variant_id, *_value_columns)
    .join_from(_variant_values, _values, _values.c.id == _variant_values.c.value_id)
    .where(
        _variant_values.c.variant_id.in_(
            select(_items.c.variant_id).where(_items.c.basket_id == bindparam("basket_id"))
        )
    )
    .order_by(_values.c.option_id)
)
"""The option values of the basket's variants (read only when one has a combination)."""


def _values_by_variant(rows: Iterable[Row]) -> dict[int, list[OptionValueRow]]:
    found: dict[int, list[OptionValueRow]] = {}
    for row in rows:
        found.setdefault(row["variant_id"], []).append(option_value_of(row))
    return found


async def basket_lines_shown(
    session: AsyncSession, basket_id: int, now: Any, own_session: str
) -> list[LineRow]:
    """The basket's lines in order, each with what checkouts other than `own_session` hold
    of its variant until after `now`: one statement, and one more for the option values
    when some line's variant has any."""
    values = {"basket_id": basket_id, "now": now, "own_session": own_session}
    rows = await run(session, _LINES, values)
    options: Mapping[int, list[OptionValueRow]] = {}
    if any(row["v_combination"] for row in rows):
        options = _values_by_variant(await run(session, _LINES_VALUES, {"basket_id": basket_id}))
    return [
        LineRow(
            product=_product(row),
            variant=_variant(row, options.get(row["v_id"], ())),
            quantity=row["quantity"],
            held=int(row["held"]),
            image_path=row["image_path"],
        )
        for row in rows
    ]


_baskets = cast(Table, Basket.__table__)
_BASKET_COLUMNS = [_baskets.c[f.name] for f in fields(BasketRow)]
_LOCKED_BASKET = {
    is_guest: select(*_BASKET_COLUMNS).where(owner == bindparam("owner")).with_for_update()
    for is_guest, owner in ((False, _baskets.c.user_id), (True, _baskets.c.guest_key))
}
"""A customer's basket (False) or a guest's (True), locked, built once."""


async def locked_basket_row(session: AsyncSession, owner_key: int | str) -> BasketRow | None:
    """A customer's (their id) or a guest's (their key) basket, locked, when it has a code
    and no checkout; else None (none yet, or one the caller must load as an entity)."""
    rows = await run(session, _LOCKED_BASKET[isinstance(owner_key, str)], {"owner": owner_key})
    if not rows or rows[0]["unique_code"] is None or rows[0]["session_id"] is not None:
        return None
    return BasketRow(*(rows[0][f.name] for f in fields(BasketRow)))


_PRODUCT = select(*_product_columns()).where(_products.c.id == bindparam("product_id"))
_TWO_VARIANTS = (
    select(*_variant_columns()).where(_variants.c.product_id == bindparam("product_id")).limit(2)
)
_VARIANT = select(*_variant_columns()).where(_variants.c.id == bindparam("variant_id"))
_VARIANT_VALUES = (
    select(*_value_columns)
    .join_from(_variant_values, _values, _values.c.id == _variant_values.c.value_id)
    .where(_variant_values.c.variant_id == bindparam("variant_id"))
    .order_by(_values.c.option_id)
)
"""A basket change's reads of its product and variant, built once."""


async def product_row(session: AsyncSession, product_id: int) -> ProductRow | None:
    rows = await run(session, _PRODUCT, {"product_id": product_id})
    return _product(rows[0]) if rows else None


async def _with_values(session: AsyncSession, row: Row) -> VariantRow:
    """The variant of `row`, with its option values when it has a combination (a product's
    default variant has none by construction: not read)."""
    if not row["v_combination"]:
        return _variant(row)
    found = await run(session, _VARIANT_VALUES, {"variant_id": row["v_id"]})
    return _variant(row, [option_value_of(r) for r in found])


async def variant_row(session: AsyncSession, variant_id: int) -> VariantRow | None:
    rows = await run(session, _VARIANT, {"variant_id": variant_id})
    return await _with_values(session, rows[0]) if rows else None


async def only_variant_row(session: AsyncSession, product_id: int) -> VariantRow | None:
    """The product's variant if it has exactly one, else None."""
    rows = await run(session, _TWO_VARIANTS, {"product_id": product_id})
    return await _with_values(session, rows[0]) if len(rows) == 1 else None
