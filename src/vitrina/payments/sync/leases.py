"""Leases in `stripe_sync_leases`: which worker delivers which intent, until when.

Taken with a conditional upsert (a live lease is never taken over), released by expiring it.
The expired row stays: it records that a delivery was attempted (see `SyncLease`).
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Literal

from sqlalchemy import ColumnElement, exists, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from vitrina.config import get_settings
from vitrina.db import db_helper
from vitrina.kit.clock import utcnow
from vitrina.payments.sync.models import SyncLease

LeaseKind = Literal["product", "coupon", "tombstone"]


def backoff(attempts: int, base: float, cap: float) -> float:
    """Exponential with "equal jitter": half fixed, half random, so retries spread out."""
    delay: float = min(cap, base * 2.0 ** max(0, attempts - 1))
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311


def call_budget() -> float:
    """The longest one SDK call can take, network retries included."""
    settings = get_settings()
    retries: int = settings.stripe_max_network_retries
    timeout: float = settings.stripe_timeout_seconds
    return timeout * (retries + 1) + 2.0 * retries + 1.0


def live_lease(kind: LeaseKind, row_id: InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """True while some worker holds a lease on (kind, row_id)."""
    return exists().where(
        SyncLease.kind == kind, SyncLease.row_id == row_id, SyncLease.expires_at > utcnow()
    )


async def take_lease(
    session: AsyncSession, kind: LeaseKind, row_id: int, owner: str, seconds: float
) -> bool:
    now = utcnow()
    values = {
        "kind": kind,
        "row_id": row_id,
        "owner": owner,
        "expires_at": now + timedelta(seconds=seconds),
    }
    insert = pg_insert if db_helper.dialect == "postgresql" else sqlite_insert
    statement = (
        insert(SyncLease)
        .values(**values)
        .on_conflict_do_update(
            index_elements=["kind", "row_id"],
            set_={"owner": values["owner"], "expires_at": values["expires_at"]},
            where=SyncLease.expires_at <= now,
        )
        .returning(SyncLease.owner)
    )
    return (await session.execute(statement)).scalar_one_or_none() == owner


async def release(session: AsyncSession, kind: LeaseKind, row_id: int, owner: str) -> None:
    """End this owner's lease now; the row stays as the record of an attempted delivery."""
    await session.execute(
        update(SyncLease)
        .where(SyncLease.kind == kind, SyncLease.row_id == row_id, SyncLease.owner == owner)
        .values(expires_at=utcnow())
    )


async def expire_all(session: AsyncSession) -> None:
    """End every live lease: for a process that knows it is the only worker (the demo on
    restart takes over the deliveries its previous run was making when it stopped)."""
    now = utcnow()
    await session.execute(
        update(SyncLease).where(SyncLease.expires_at > now).values(expires_at=now)
    )
