"""Stock movements made by orders: sold goods leave stock, cancelled goods come back.

Stock is kept per variant. Each change is an atomic `UPDATE product_variants SET stock =
stock +/- n`, in variant-id order so that two transactions touching the same variants cannot
deadlock; then the products' stock summaries are recounted, in product-id order (variants
before products, as everywhere: `catalog/variants.py`). On PostgreSQL the sale (fulfilment's
hot path) is one prebuilt statement for every line (`UPDATE ... FROM unnest(ids, quantities)`,
the ids sorted, so the join meets, and locks, the rows in id order) and one recount of all
the products (`catalog.variants.refresh_stock`); only a short line takes the slow path.
Reservations only hold stock for an open Checkout Session; once the session is paid (or
expires) they are deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Integer, Table, bindparam, column, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import ProductVariant
from vitrina.catalog.variants import refresh_stock
from vitrina.kit.clock import utcnow
from vitrina.reads import run


@dataclass(frozen=True)
class StockLine:
    variant_id: int
    quantity: int


def _merged(lines: Iterable[StockLine]) -> list[StockLine]:
    totals: dict[int, int] = {}
    for line in lines:
        totals[line.variant_id] = totals.get(line.variant_id, 0) + line.quantity
    return [StockLine(vid, qty) for vid, qty in sorted(totals.items()) if qty > 0]


@dataclass(frozen=True)
class Taken:
    """What `take_stock` removed: `short` variants had less than was sold, `quantities` is
    how much of each variant actually left stock (less than sold for the short ones)."""

    short: list[int]
    quantities: dict[int, int]


_variant = ProductVariant.__table__.c
_sold = (
    func.unnest(
        bindparam("variant_ids", type_=ARRAY(Integer)),
        bindparam("quantities", type_=ARRAY(Integer)),
    )
    .table_valued(column("variant_id", Integer), column("quantity", Integer))
    .render_derived("sold")
)
_TAKE_ALL = (
    update(cast(Table, ProductVariant.__table__))
    .where(_variant.id == _sold.c.variant_id, _variant.stock >= _sold.c.quantity)
    .values(stock=_variant.stock - _sold.c.quantity, updated_at=bindparam("now"))
    .returning(_variant.id, _variant.product_id)
)
"""PostgreSQL: every line that has the stock, in one statement."""


async def _take_in_full(session: AsyncSession, lines: list[StockLine]) -> dict[int, int]:
    """Take each line whose variant has enough; variant id -> product id of those taken."""
    if session.get_bind().dialect.name == "postgresql":
        rows = await run(
            session,
            _TAKE_ALL,
            {
                "variant_ids": [line.variant_id for line in lines],
                "quantities": [line.quantity for line in lines],
                "now": utcnow(),
            },
        )
        return {row["id"]: row["product_id"] for row in rows}
    taken: dict[int, int] = {}
    for line in lines:
        product_id = await session.scalar(
            update(ProductVariant)
            .where(ProductVariant.id == line.variant_id, ProductVariant.stock >= line.quantity)
            .values(stock=ProductVariant.stock - line.quantity)
            .returning(ProductVariant.product_id)
            .execution_options(synchronize_session=False)
        )
        if product_id is not None:
            taken[line.variant_id] = product_id
    return taken


async def take_stock(session: AsyncSession, lines: Iterable[StockLine]) -> Taken:
    """Decrement stock for sold goods. A variant that did not have enough gives what it has
    (stock zero; the goods are sold, a person must look at the order) and is listed as short.
    The shortfall is re-read under a row lock, so stock received meanwhile is not lost."""
    short: list[int] = []
    quantities: dict[int, int] = {}
    products: set[int] = set()
    variant = ProductVariant
    merged = _merged(lines)
    in_full = await _take_in_full(session, merged) if merged else {}
    for line in merged:
        if line.variant_id in in_full:
            quantities[line.variant_id] = line.quantity
            products.add(in_full[line.variant_id])
            continue
        row = (
            await session.execute(
                select(variant.stock, variant.product_id)
                .where(variant.id == line.variant_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).first()
        if row is None:
            quantities[line.variant_id] = 0
            short.append(line.variant_id)
            continue
        available = max(row.stock, 0)
        taken = min(available, line.quantity)
        quantities[line.variant_id] = taken
        products.add(row.product_id)
        if taken < line.quantity:
            short.append(line.variant_id)
        await session.execute(
            update(variant)
            .where(variant.id == line.variant_id)
            .values(stock=available - taken)
            .execution_options(synchronize_session=False)
        )
    await refresh_stock(session, products)
    return Taken(short, quantities)


async def return_stock(session: AsyncSession, lines: Iterable[StockLine]) -> None:
    products: set[int] = set()
    for line in _merged(lines):
        product_id = await session.scalar(
            update(ProductVariant)
            .where(ProductVariant.id == line.variant_id)
            .values(stock=ProductVariant.stock + line.quantity)
            .returning(ProductVariant.product_id)
            .execution_options(synchronize_session=False)
        )
        if product_id is not None:
            products.add(product_id)
    await refresh_stock(session, products)
