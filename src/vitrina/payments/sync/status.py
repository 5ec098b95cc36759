"""What staff see of the sync: rows waiting for Stripe or failing, deleted products still to
be archived there (tombstones), and a way to retry a row now."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import Product
from vitrina.coupons.models import DiscountCoupon
from vitrina.errors import NotFound
from vitrina.kit.stripe_sync import SyncState
from vitrina.payments.sync.models import StripeTombstone

SyncKind = Literal["product", "coupon"]


class SyncRow(BaseModel):
    kind: SyncKind
    id: int
    label: str
    sync_state: SyncState
    sync_version: int
    synced_version: int
    sync_attempts: int
    sync_error: str | None
    sync_next_attempt_at: datetime | None
    stripe_id: str | None


class SyncCounts(BaseModel):
    pending: int = 0
    failed: int = 0


class ArchiveRow(BaseModel):
    """A deleted product whose Stripe object is still to be archived (its tombstone); the
    worker retries it by itself with backoff."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    local_id: int
    stripe_id: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime


class SyncSummary(BaseModel):
    pending: int
    failed: int
    by_kind: dict[str, SyncCounts]
    rows: list[SyncRow]
    archives: list[ArchiveRow]
    """Open tombstones, failing first; counted in `by_kind["archive"]` and the totals."""


def _row(kind: SyncKind, row: Product | DiscountCoupon) -> SyncRow:
    label = row.name if isinstance(row, Product) else row.number
    return SyncRow(
        kind=kind,
        id=row.id,
        label=label,
        sync_state=row.sync_state,
        sync_version=row.sync_version,
        synced_version=row.synced_version,
        sync_attempts=row.sync_attempts,
        sync_error=row.sync_error,
        sync_next_attempt_at=row.sync_next_attempt_at if row.sync_next_attempt_at else None,
        stripe_id=row.stripe_id,
    )


MODELS: dict[SyncKind, type[Product] | type[DiscountCoupon]] = {
    "product": Product,
    "coupon": DiscountCoupon,
}


async def summary(session: AsyncSession, *, limit: int = 100) -> SyncSummary:
    """Counts of pending and failed rows, and the oldest `limit` of them (failed first)."""
    by_kind: dict[str, SyncCounts] = {}
    rows: list[SyncRow] = []
    for kind, model in MODELS.items():
        unsynced = model.synced_version < model.sync_version
        by_kind[kind] = await _counts(session, unsynced, model.sync_error.is_not(None))
        found = await session.scalars(
            select(model)
            .where(unsynced)
            .order_by(model.sync_error.is_(None), model.id)
            .limit(limit)
        )
        rows.extend(_row(kind, r) for r in found if isinstance(r, Product | DiscountCoupon))
    by_kind["archive"], archives = await _open_archives(session, limit)
    return SyncSummary(
        pending=sum(c.pending for c in by_kind.values()),
        failed=sum(c.failed for c in by_kind.values()),
        by_kind=by_kind,
        rows=rows[:limit],
        archives=archives,
    )


async def _counts(
    session: AsyncSession, waiting: ColumnElement[bool], failing: ColumnElement[bool]
) -> SyncCounts:
    """How many rows are waiting for Stripe, split by whether their last attempt failed."""
    failed, pending = (
        await session.execute(
            select(func.count().filter(failing), func.count().filter(~failing)).where(waiting)
        )
    ).one()
    return SyncCounts(failed=failed, pending=pending)


async def _open_archives(session: AsyncSession, limit: int) -> tuple[SyncCounts, list[ArchiveRow]]:
    open_ = StripeTombstone.done_at.is_(None)
    counts = await _counts(session, open_, StripeTombstone.last_error.is_not(None))
    found = await session.scalars(
        select(StripeTombstone)
        .where(open_)
        .order_by(StripeTombstone.last_error.is_(None), StripeTombstone.id)
        .limit(limit)
    )
    return counts, [ArchiveRow.model_validate(tombstone) for tombstone in found]


async def retry(session: AsyncSession, kind: SyncKind, row_id: int) -> SyncRow:
    """Make the row due now; a synced row is marked again so Stripe is re-checked."""
    row: Product | DiscountCoupon | None = await session.get(
        MODELS[kind], row_id, with_for_update=True
    )
    if row is None:
        raise NotFound(f"No {kind} {row_id}.")
    if row.synced_version >= row.sync_version:
        row.mark_for_sync()
    else:
        row.sync_next_attempt_at = None
    await session.flush()
    return _row(kind, row)
