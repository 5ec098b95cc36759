"""Public catalogue reads from a read replica, with the primary as the fallback.

`DATABASE_REPLICA_URL` names a PostgreSQL streaming replica (PostgreSQL's own physical
replication: `pg_basebackup -R`, then the standby follows the primary's WAL). Anonymous
catalogue reads (`db_helper.reading(replica=True)`: the product list and page, categories,
the sitemaps) go there; everything else (writes, a signed-in customer's or staff member's
reads, anything that must see its own change) stays on the primary.

The replica is used only while it is known good. At most every `check_seconds` a request
asks it how far behind it is (one small query, in the request that finds the check due):

- caught up (the WAL received has all been replayed) or behind by less than
  `DATABASE_REPLICA_MAX_LAG_SECONDS`: reads go to the replica;
- further behind, or not answering (connection refused, timeout, any database error), or
  not a replica at all but a plain server (then lag counts as 0): reads go to the primary
  until the next check finds it good again.

A connection that cannot be opened when a read starts marks the replica down at once and the
read runs on the primary, so a stopped replica costs one failed connection attempt per
process per `check_seconds`, not an error for the customer.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import structlog
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = structlog.get_logger(__name__)

LAG_SQL = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0 "
    "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() AND EXISTS "
    "(SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0 "
    "ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 1e9) END"
)
"""Seconds the replica's data is behind: 0 while it streams from the primary and has
replayed everything it received (an idle primary sends nothing, which is not lag), else the
age of the last commit it replayed (a standby cut off from its primary answers, but falls
behind). Seeing the WAL receiver's status takes `pg_read_all_stats` (or `pg_monitor`) for the
replica's role; without it the age is used, which an idle primary lets grow."""


@dataclass
class ReplicaState:
    usable: bool = False
    lag_seconds: float | None = None
    checked_at: float = float("-inf")
    reason: str = "not checked yet"


class Replica:
    """The replica's engine and what the latest check found."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        max_lag_seconds: float,
        check_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.max_lag_seconds = max_lag_seconds
        self.check_seconds = check_seconds
        self.state = ReplicaState()
        self._clock = clock

    def _mark(self, usable: bool, reason: str, lag: float | None = None) -> None:
        if usable != self.state.usable:
            event = "replica_in_use" if usable else "replica_not_used"
            log.warning(event, reason=reason, lag_seconds=lag)
        self.state = ReplicaState(usable, lag, self._clock(), reason)

    async def _check(self, connection: AsyncConnection) -> None:
        lag = float((await connection.execute(LAG_SQL)).scalar_one())
        if lag > self.max_lag_seconds:
            self._mark(False, f"{lag:.1f} s behind the primary", lag)
        else:
            self._mark(True, "caught up", lag)

    def _due(self) -> bool:
        return self._clock() - self.state.checked_at >= self.check_seconds

    @asynccontextmanager
    async def connection(self, primary: AsyncEngine) -> AsyncIterator[AsyncConnection]:
        """A reader connection: the replica's when it is usable, else the primary's."""
        replica: AsyncConnection | None = None
        if self.state.usable or self._due():
            try:
                replica = await self.engine.connect()
                if self._due():
                    await self._check(replica)
            except Exception as exc:  # down, refused, timed out, not PostgreSQL: the primary
                self._mark(False, f"{type(exc).__name__}: {exc}"[:300])
                if replica is not None:
                    await replica.invalidate()
                    await replica.close()
                replica = None
            if replica is not None and not self.state.usable:
                await replica.close()
                replica = None
        if replica is None:
            async with primary.connect() as connection:
                yield connection
            return
        try:
            yield replica
        except DBAPIError as exc:
            if exc.connection_invalidated:  # it went away mid-read: the primary from now on
                self._mark(False, f"{type(exc).__name__}: {exc}"[:300])
            raise
        finally:
            await replica.close()

    async def dispose(self) -> None:
        await self.engine.dispose()
