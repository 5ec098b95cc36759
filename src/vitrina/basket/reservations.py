"""Stock held for open Checkout Sessions.

Available stock = `product.stock` minus the unexpired reservations of other sessions. The
queries filter `expires_at > now`, so an expired reservation stops counting by itself;
`purge_expired_reservations` only tidies the table.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.basket.models import CheckoutSession, CheckoutStatus, StockReservation
from vitrina.kit.clock import utcnow


async def reserved_quantities(
    session: AsyncSession, product_ids: Iterable[int], *, exclude_session: str | None = None
) -> dict[int, int]:
    """Unexpired reserved quantity per product (products with none are left out)."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    query = (
        select(StockReservation.product_id, func.sum(StockReservation.quantity))
        .where(StockReservation.product_id.in_(ids), StockReservation.expires_at > utcnow())
        .group_by(StockReservation.product_id)
    )
    if exclude_session is not None:
        query = query.where(StockReservation.checkout_session_id != exclude_session)
    rows = await session.execute(query)
    return {product_id: int(total or 0) for product_id, total in rows}


async def release_reservations(session: AsyncSession, checkout_session_id: str) -> int:
    """Give back the stock held for a Checkout Session and mark it expired if it was open.

    Returns how many reservation rows were deleted."""
    result = await session.execute(
        delete(StockReservation)
        .where(StockReservation.checkout_session_id == checkout_session_id)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(CheckoutSession)
        .where(
            CheckoutSession.id == checkout_session_id,
            CheckoutSession.status == CheckoutStatus.OPEN,
        )
        .values(status=CheckoutStatus.EXPIRED, updated_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def purge_expired_reservations(session: AsyncSession) -> int:
    """Delete reservation rows whose time is up (they already stopped counting)."""
    result = await session.execute(
        delete(StockReservation)
        .where(StockReservation.expires_at <= utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
