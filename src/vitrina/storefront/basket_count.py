"""How many items the header's basket link shows: one cheap aggregate, no rows loaded.

A read-only question about the basket feature's tables (the basket service has no such
function); it never creates a basket, so browsing stays free of writes.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.basket.models import Basket, BasketItem


async def basket_item_count(session: AsyncSession, user_id: int) -> int:
    """The number of units in the user's basket (0 without a basket)."""
    total = await session.scalar(
        select(func.coalesce(func.sum(BasketItem.quantity), 0))
        .join(Basket, Basket.id == BasketItem.basket_id)
        .where(Basket.user_id == user_id)
    )
    return int(total or 0)
