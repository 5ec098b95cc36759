"""Stock held for open Checkout Sessions.

Available stock = the variant's stock minus the unexpired reservations of other sessions. The
queries filter `expires_at > now`, so an expired reservation stops counting by itself;
`purge_expired_reservations` only tidies the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    Table,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from vitrina.basket.models import CheckoutSession, CheckoutStatus, StockReservation
from vitrina.kit.clock import utcnow
from vitrina.reads import among, run

_reservations = cast(Table, StockReservation.__table__)


def _summed(postgres: bool) -> tuple[Select[Any], Select[Any]]:
    """What is reserved of each variant among "ids": by every checkout, by all but one."""
    reserved = _reservations.c
    everyone = (
        select(reserved.variant_id, func.sum(reserved.quantity).label("reserved"))
        .where(among(reserved.variant_id, postgres), reserved.expires_at > bindparam("now"))
        .group_by(reserved.variant_id)
    )
    return everyone, everyone.where(reserved.checkout_session_id != bindparam("exclude_session"))


_RESERVED = {postgres: _summed(postgres) for postgres in (True, False)}
"""Built once per kind of database and run as plain rows (`reads.run`): every checkout sums
its variants' reservations under their locks."""


def held_by_other_checkouts(variant_id: ColumnElement[Any]) -> ScalarSelect[Any]:
    """What the unexpired reservations of checkouts other than the caller's hold of the
    variant `variant_id` (a column or a bound value), 0 for none: a scalar subquery with the
    bound parameters `now` and `own_session`, for statements that read it with a line."""
    reserved = _reservations.c
    return (
        select(func.coalesce(func.sum(reserved.quantity), 0))
        .where(
            reserved.variant_id == variant_id,
            reserved.expires_at > bindparam("now"),
            reserved.checkout_session_id != bindparam("own_session"),
        )
        .scalar_subquery()
    )


async def reserved_quantities(
    session: AsyncSession, variant_ids: Iterable[int], *, exclude_session: str | None = None
) -> dict[int, int]:
    """Unexpired reserved quantity per variant (variants with none are left out)."""
    ids = sorted(set(variant_ids))
    if not ids:
        return {}
    values: dict[str, object] = {"ids": ids, "now": utcnow()}
    everyone, others = _RESERVED[session.get_bind().dialect.name == "postgresql"]
    query = everyone
    if exclude_session is not None:
        query, values["exclude_session"] = others, exclude_session
    rows = await run(session, query, values)
    return {row["variant_id"]: int(row["reserved"] or 0) for row in rows}


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


_checkouts = cast(Table, CheckoutSession.__table__)
_RELEASE = delete(_reservations).where(
    _reservations.c.checkout_session_id == bindparam("checkout_id")
)
_MARK = (
    update(_checkouts)
    .where(_checkouts.c.id == bindparam("checkout_id"))
    .values(status=bindparam("new_status"), updated_at=bindparam("now"))
)
_RELEASE_AND_MARK = _MARK.add_cte(_RELEASE.cte("released"))
"""PostgreSQL: both in one statement (a data-modifying CTE runs whether read or not)."""


async def complete_checkout(session: AsyncSession, checkout: CheckoutSession) -> None:
    """A paid Checkout Session: its reservations are deleted (the order takes the stock
    instead) and it is marked complete, in one statement on PostgreSQL. `checkout` (loaded
    and locked by the caller) is brought up to date without another round trip."""
    now = utcnow()
    values = {"checkout_id": checkout.id, "new_status": CheckoutStatus.COMPLETE.value, "now": now}
    if session.get_bind().dialect.name == "postgresql":
        await run(session, _RELEASE_AND_MARK, values)
    else:
        await run(session, _RELEASE, values)
        await run(session, _MARK, values)
    set_committed_value(checkout, "status", CheckoutStatus.COMPLETE)
    set_committed_value(checkout, "updated_at", now)


async def purge_expired_reservations(session: AsyncSession) -> int:
    """Delete reservation rows whose time is up (they already stopped counting)."""
    result = await session.execute(
        delete(StockReservation)
        .where(StockReservation.expires_at <= utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
