"""Variants: what is sold of a product, and the summary the product keeps of them.

Every product has at least one variant. A product without options has exactly one, its
default (empty `combination`), whose SKU, price and stock the product's own fields write
through (`_write_through`, on every flush), so a product edited as before (API, admin, CSV,
the seed's classes reading `product.price`) stays one thing. A product with options has one variant
per combination sold.

The product's `price` (lowest active price), `price_max` (highest, when it differs) and
`stock` (sum over active variants) are a summary kept here in the same transaction as the
change, so the list, search and sort read one table with no join.

Lock order: variant rows before their product's row (checkout locks variants, fulfilment
updates variants and then refreshes the product's stock).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import (
    Integer,
    Table,
    any_,
    bindparam,
    event,
    exists,
    func,
    insert,
    inspect,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from vitrina.catalog.models import (
    Product,
    ProductOption,
    ProductOptionValue,
    ProductVariant,
    VariantOptionValue,
)
from vitrina.kit.clock import utcnow
from vitrina.reads import run

_variants = cast(Table, ProductVariant.__table__)
_v = _variants.c
_p = Product.__table__.c


@event.listens_for(Session, "after_flush")
def _default_variants(session: Session, _context: UOWTransaction) -> None:
    """A product added through the ORM (the catalog service, the demo, a script) gets its
    default variant from its own SKU, price and stock in the same flush."""
    new = [obj.id for obj in session.new if isinstance(obj, Product)]
    if new:
        session.connection().execute(_default_variants_insert(new))


async def variant_ids_of(session: AsyncSession, product_ids: Iterable[int]) -> dict[int, int]:
    """The id of each product's only variant (products of several are left out)."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(_v.product_id, func.min(_v.id))
        .where(_v.product_id.in_(ids))
        .group_by(_v.product_id)
        .having(func.count() == 1)
    )
    return {product_id: variant_id for product_id, variant_id in rows}


async def add_missing_default_variants(
    session: AsyncSession, product_ids: Iterable[int] | None = None
) -> None:
    """Give every product without a variant (among `product_ids`, or all) its default one,
    from its own SKU, price and stock: one INSERT ... SELECT, for bulk writers (demo, CSV)."""
    ids = None if product_ids is None else sorted(set(product_ids))
    if ids == []:
        return
    await session.execute(_default_variants_insert(ids))


def _default_variants_insert(product_ids: list[int] | None) -> Any:
    now = utcnow()
    source = select(
        _p.id,
        literal(""),
        _p.sku,
        _p.price,
        _p.stock,
        literal(True),
        literal(0),
        literal(now, _v.created_at.type),
        literal(now, _v.updated_at.type),
    ).where(~exists().where(_v.product_id == _p.id))
    if product_ids is not None:
        source = source.where(_p.id.in_(product_ids))
    return insert(ProductVariant).from_select(
        [
            "product_id",
            "combination",
            "sku",
            "price",
            "stock",
            "is_active",
            "position",
            "created_at",
            "updated_at",
        ],
        source,
    )


async def mirror_into_only_variants(session: AsyncSession, product_ids: Iterable[int]) -> None:
    """Copy the products' SKU, price and stock into their variant, for those that have just
    one (after a bulk write of products, e.g. a CSV import); one UPDATE per chunk."""
    ids = sorted(set(product_ids))
    own = ProductVariant.__table__.alias("own")
    alone = (
        select(func.count()).select_from(own).where(own.c.product_id == _v.product_id)
    ).scalar_subquery() == 1

    def of_product(column: Any) -> Any:
        return select(column).where(_p.id == _v.product_id).scalar_subquery()

    for start in range(0, len(ids), 1000):
        await session.execute(
            update(ProductVariant)
            .where(_v.product_id.in_(ids[start : start + 1000]), alone)
            .values(sku=of_product(_p.sku), price=of_product(_p.price), stock=of_product(_p.stock))
            .execution_options(synchronize_session=False)
        )


async def variants_of(session: AsyncSession, product_id: int) -> list[ProductVariant]:
    """The product's variants in order, with their option values."""
    rows = await session.scalars(
        select(ProductVariant)
        .where(ProductVariant.product_id == product_id)
        .options(selectinload(ProductVariant.values))
        .order_by(ProductVariant.position, ProductVariant.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def options_of(session: AsyncSession, product_id: int) -> list[ProductOption]:
    """The product's options in order, with their values in order."""
    rows = await session.scalars(
        select(ProductOption)
        .where(ProductOption.product_id == product_id)
        .options(selectinload(ProductOption.values))
        .order_by(ProductOption.position, ProductOption.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


_OPTIONS_OF = (
    select(ProductOption)
    .where(ProductOption.product_id.in_(bindparam("ids", expanding=True)))
    .options(selectinload(ProductOption.values))
    .order_by(ProductOption.product_id, ProductOption.position, ProductOption.id)
)
"""`options_by_product`'s statement, built once (every basket answer with options runs it)."""


async def options_by_product(
    session: AsyncSession, product_ids: Iterable[int]
) -> dict[int, list[ProductOption]]:
    """The options (with values) of each product among `product_ids`; no query for none."""
    ids = sorted(set(product_ids))
    found: dict[int, list[ProductOption]] = {}
    if not ids:
        return found
    rows = await session.scalars(_OPTIONS_OF, {"ids": ids})
    for option in rows:
        found.setdefault(option.product_id, []).append(option)
    return found


_TWO_VARIANTS = (
    select(ProductVariant).where(ProductVariant.product_id == bindparam("product_id")).limit(2)
)
_VARIANT_VALUES = (
    select(ProductOptionValue)
    .join(VariantOptionValue, VariantOptionValue.value_id == ProductOptionValue.id)
    .where(VariantOptionValue.variant_id == bindparam("variant_id"))
    .order_by(ProductOptionValue.option_id)
)
"""`only_variant`'s statements, built once (a basket change runs them)."""


async def only_variant(session: AsyncSession, product_id: int) -> ProductVariant | None:
    """The product's variant if it has exactly one (with its option values), else None.

    A variant's `combination` is its option values' ids, so a product's default variant
    (`combination` "") has none: they are read only for a variant that has some."""
    rows = (await session.scalars(_TWO_VARIANTS, {"product_id": product_id})).all()
    if len(rows) != 1:
        return None
    variant = rows[0]
    if "values" in inspect(variant).unloaded:
        values: list[ProductOptionValue] = []
        if variant.combination:
            values = list(await session.scalars(_VARIANT_VALUES, {"variant_id": variant.id}))
        set_committed_value(variant, "values", values)
    return variant


async def get_variants_by_ids(
    session: AsyncSession, ids: Iterable[int], *, lock: bool = False
) -> dict[int, ProductVariant]:
    """The variants among `ids`, with their option values; `lock` takes their rows in id
    order for the rest of the transaction (`FOR UPDATE` on PostgreSQL; SQLite serialises
    writers itself) and refreshes the objects from them."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = _VARIANTS
    if lock:
        postgres = session.get_bind().dialect.name == "postgresql"
        query = _VARIANTS_LOCKED_PG if postgres else _VARIANTS_LOCKED
    return {v.id: v for v in await session.scalars(query, {"ids": wanted})}


_VARIANTS = (
    select(ProductVariant)
    .where(ProductVariant.id.in_(bindparam("ids", expanding=True)))
    .order_by(ProductVariant.id)
    .options(selectinload(ProductVariant.values))
)
_VARIANTS_LOCKED = _VARIANTS.execution_options(populate_existing=True)
_VARIANTS_LOCKED_PG = _VARIANTS_LOCKED.with_for_update(of=ProductVariant)
"""`get_variants_by_ids`'s statements, built once (basket changes and checkouts run them)."""


MIRRORED = ("sku", "price", "stock")
"""A one-variant product's fields that are its variant's."""


@event.listens_for(Session, "after_flush")
def _write_through(session: Session, _context: UOWTransaction) -> None:
    """A product's `sku`, `price` or `stock` changed through the ORM (the API, the admin,
    a script) is its only variant's too: copied in the same flush. A product of several
    variants is left alone (the catalog service refuses such a change)."""
    for obj in session.dirty:
        if not isinstance(obj, Product):
            continue
        state = inspect(obj)
        changed = {
            name: getattr(obj, name) for name in MIRRORED if state.attrs[name].history.has_changes()
        }
        if not changed:
            continue
        own = ProductVariant.__table__.alias("own")
        alone = (
            select(func.count()).select_from(own).where(own.c.product_id == obj.id)
        ).scalar_subquery() == 1
        session.connection().execute(
            update(_variants).where(_v.product_id == obj.id, alone).values(**changed)
        )


def _stock_sum(product_id: Any) -> Any:
    return func.coalesce(
        select(func.sum(_v.stock))
        .where(_v.product_id == product_id, _v.is_active.is_(True))
        .scalar_subquery(),
        0,
    )


_RECOUNT_ALL = (
    update(cast(Table, Product.__table__))
    .where(_p.id == any_(bindparam("product_ids", type_=ARRAY(Integer))))
    .values(stock=_stock_sum(_p.id), updated_at=bindparam("now"))
)
"""PostgreSQL: the products' recount in one prebuilt statement (ids sorted: the index scan
meets, and locks, them in id order)."""


async def refresh_stock(session: AsyncSession, product_ids: Iterable[int]) -> None:
    """Recount the products' stock from their active variants (after a stock movement),
    in product-id order, so that concurrent writers never deadlock: one statement on
    PostgreSQL, one per product on SQLite (whose single writer cannot deadlock anyway)."""
    ordered = sorted(set(product_ids))
    if ordered and session.get_bind().dialect.name == "postgresql":
        await run(session, _RECOUNT_ALL, {"product_ids": ordered, "now": utcnow()})
        return
    for product_id in ordered:
        await session.execute(
            update(Product)
            .where(Product.id == product_id)
            .values(stock=_stock_sum(_p.id))
            .execution_options(synchronize_session=False)
        )


async def refresh_summary(session: AsyncSession, product: Product) -> None:
    """Recompute the product's price range, stock and SKU mirror after a staff change to
    its variants (the product row is locked after the variants', as everywhere); Stripe
    learns of a new "from" price, and of any change to the variants of a product with
    options, each of which is a Stripe Price (`mark_for_sync`)."""
    await session.flush()
    columns = [c.key for c in Product.__mapper__.column_attrs]
    await session.refresh(product, attribute_names=columns, with_for_update={"key_share": True})
    variants = (
        await session.scalars(select(ProductVariant).where(ProductVariant.product_id == product.id))
    ).all()
    active = [v for v in variants if v.is_active] or list(variants)
    lowest = min((v.price for v in active), default=product.price)
    highest = max((v.price for v in active), default=product.price)
    summary = {
        "price_max": highest if highest > lowest else None,
        "stock": sum(v.stock for v in variants if v.is_active),
        "sku": variants[0].sku if len(variants) == 1 else None,
        "has_options": any(v.combination for v in variants),
    }
    await session.execute(
        update(Product)
        .where(Product.id == product.id)
        .values(**summary)
        .execution_options(synchronize_session=False)
    )
    for key, value in summary.items():
        set_committed_value(product, key, value)
    if product.price != lowest:
        product.price = lowest
        product.mark_for_sync()
    elif summary["has_options"]:  # each variant is a Stripe Price of its own
        product.mark_for_sync()
    await session.flush()


def option_text(variant: ProductVariant, options: Sequence[ProductOption], language: str) -> str:
    """The variant's values as a shopper reads them: "Size: M, Colour: red" ("" for a
    product's default variant). Options and the variant's values must be loaded."""
    chosen = {value.option_id: value for value in variant.values}
    parts = []
    for option in options:
        value = chosen.get(option.id)
        if value is not None:
            parts.append(f"{shown_name(option, language)}: {shown_value(value, language)}")
    return ", ".join(parts)


def shown_name(option: ProductOption, language: str) -> str:
    return getattr(option, f"name_{language}", None) or option.name


def shown_value(value: ProductOptionValue, language: str) -> str:
    return getattr(value, f"value_{language}", None) or value.value


__all__ = [
    "add_missing_default_variants",
    "get_variants_by_ids",
    "mirror_into_only_variants",
    "only_variant",
    "option_text",
    "options_by_product",
    "options_of",
    "refresh_stock",
    "refresh_summary",
    "variant_ids_of",
    "variants_of",
]
