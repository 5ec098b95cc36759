"""Stock movements made by orders: sold goods leave stock, cancelled goods come back.

Each change is one atomic `UPDATE products SET stock = stock +/- n`, in product-id order so that
two transactions touching the same products cannot deadlock. Reservations only hold stock for
an open Checkout Session; once the session is paid (or expires) they are deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import Product


@dataclass(frozen=True)
class StockLine:
    product_id: int
    quantity: int


def _merged(lines: Iterable[StockLine]) -> list[StockLine]:
    totals: dict[int, int] = {}
    for line in lines:
        totals[line.product_id] = totals.get(line.product_id, 0) + line.quantity
    return [StockLine(pid, qty) for pid, qty in sorted(totals.items()) if qty > 0]


@dataclass(frozen=True)
class Taken:
    """What `take_stock` removed: `short` products had less than was sold, `quantities` is
    how much of each product actually left stock (less than sold for the short ones)."""

    short: list[int]
    quantities: dict[int, int]


async def take_stock(session: AsyncSession, lines: Iterable[StockLine]) -> Taken:
    """Decrement stock for sold goods. A product that did not have enough gives what it has
    (stock zero; the goods are sold, a person must look at the order) and is listed as short.
    The shortfall is re-read under a row lock, so stock received meanwhile is not lost."""
    short: list[int] = []
    quantities: dict[int, int] = {}
    for line in _merged(lines):
        result = await session.execute(
            update(Product)
            .where(Product.id == line.product_id, Product.stock >= line.quantity)
            .values(stock=Product.stock - line.quantity)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount > 0:  # type: ignore[attr-defined]
            quantities[line.product_id] = line.quantity
            continue
        remaining = await session.scalar(
            select(Product.stock)
            .where(Product.id == line.product_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        available = max(remaining or 0, 0)
        taken = min(available, line.quantity)
        quantities[line.product_id] = taken
        if taken < line.quantity:
            short.append(line.product_id)
        await session.execute(
            update(Product)
            .where(Product.id == line.product_id)
            .values(stock=available - taken)
            .execution_options(synchronize_session=False)
        )
    return Taken(short, quantities)


async def return_stock(session: AsyncSession, lines: Iterable[StockLine]) -> None:
    for line in _merged(lines):
        await session.execute(
            update(Product)
            .where(Product.id == line.product_id)
            .values(stock=Product.stock + line.quantity)
            .execution_options(synchronize_session=False)
        )
