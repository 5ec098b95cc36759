"""Stock movements made by orders: sold goods leave stock, cancelled goods come back.

Each change is one atomic `UPDATE products SET stock = stock +/- n`, in product-id order so that
two transactions touching the same products cannot deadlock. Reservations only hold stock for
an open Checkout Session; once the session is paid (or expires) they are deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import update
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


async def take_stock(session: AsyncSession, lines: Iterable[StockLine]) -> list[int]:
    """Decrement stock for sold goods. Returns the ids of products that did not have enough
    (their stock is set to zero: the goods are sold, a person must look at the order)."""
    short: list[int] = []
    for line in _merged(lines):
        result = await session.execute(
            update(Product)
            .where(Product.id == line.product_id, Product.stock >= line.quantity)
            .values(stock=Product.stock - line.quantity)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            short.append(line.product_id)
            await session.execute(
                update(Product)
                .where(Product.id == line.product_id)
                .values(stock=0)
                .execution_options(synchronize_session=False)
            )
    return short


async def return_stock(session: AsyncSession, lines: Iterable[StockLine]) -> None:
    for line in _merged(lines):
        await session.execute(
            update(Product)
            .where(Product.id == line.product_id)
            .values(stock=Product.stock + line.quantity)
            .execution_options(synchronize_session=False)
        )
