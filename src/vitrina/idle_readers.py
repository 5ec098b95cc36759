"""Reader connections kept for the next read, rather than handed back to the pool at once.

Opening a reader (`db_helper.reading()`) checks a connection out of SQLAlchemy's pool, sets
it to autocommit and wraps it; closing it resets it and checks it in; each through a
greenlet. For a product page that is a quarter of the request's CPU, more than its two
statements cost (callgrind, `make bench-instructions`: 1.03 -> 0.78 M instructions per
page). So on PostgreSQL a few readers wait here for the next read, last in first out, on
these terms:

- at most `keep` of them (half the pool), and never the pool's last free connection: a
  reader is closed instead when every connection the pool may hold (`capacity`) is checked
  out, so a request that needs a connection does not wait while one sits idle here;
- for at most `idle_seconds`: a sweep then hands the rest back to the pool, so a burst of
  reads followed by writes leaves the whole pool to the writes;
- only clean ones: not closed or invalidated, no transaction open (SQLAlchemy's or the
  driver's), made on the running event loop. A read that raised closes its reader and
  every idle one (the server may have restarted: the pool's own recovery then applies, as
  it would had they been checked in).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

IDLE_SECONDS = 0.5


@dataclass(frozen=True)
class _Idle:
    connection: AsyncConnection
    loop: asyncio.AbstractEventLoop
    since: float


def _clean(connection: AsyncConnection) -> bool:
    sync = connection.sync_connection
    if sync is None or sync.closed or sync.invalidated or sync.in_transaction():
        return False
    driver = sync.connection.driver_connection
    return driver is not None and not driver.is_in_transaction()


class IdleReaders:
    """Autocommit connections of `engine` kept between reads (see the module's notes)."""

    def __init__(
        self, engine: AsyncEngine, keep: int, capacity: int, idle_seconds: float = IDLE_SECONDS
    ):
        self.engine = engine
        self.keep = keep
        self.capacity = capacity
        self.idle_seconds = idle_seconds
        self._idle: list[_Idle] = []
        self._sweeper: asyncio.Task[None] | None = None

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        connection = self._take()
        if connection is None:
            connection = await self.engine.connect()
        try:
            yield connection
        except Exception:
            await connection.close()
            await self.close_all()
            raise
        except BaseException:  # cancelled: this reader may be mid-statement
            await connection.close()
            raise
        if not await self._kept(connection):
            await connection.close()

    def _take(self) -> AsyncConnection | None:
        if not self._idle:
            return None
        if self._idle[-1].loop is not asyncio.get_running_loop():
            self._idle.clear()  # made on a loop that has ended: nothing can use or close them
            return None
        return self._idle.pop().connection

    async def _kept(self, connection: AsyncConnection) -> bool:
        taken = getattr(self.engine.sync_engine.pool, "checkedout", lambda: self.capacity)()
        if len(self._idle) >= self.keep or taken >= self.capacity or not _clean(connection):
            return False
        loop = asyncio.get_running_loop()
        self._idle.append(_Idle(connection, loop, time.monotonic()))
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = loop.create_task(self._sweep())
        return True

    async def _sweep(self) -> None:
        """Hand back every connection idle for `idle_seconds`, until none is left."""
        while self._idle:
            await asyncio.sleep(self.idle_seconds)
            due = time.monotonic() - self.idle_seconds
            stale = [idle for idle in self._idle if idle.since <= due]
            self._idle = [idle for idle in self._idle if idle.since > due]
            for idle in stale:
                with suppress(Exception):  # a dead connection is the pool's to forget
                    await idle.connection.close()

    async def close_all(self) -> None:
        idle, self._idle = self._idle, []
        loop = asyncio.get_running_loop()
        for entry in idle:
            if entry.loop is loop:
                with suppress(Exception):
                    await entry.connection.close()
        sweeper, self._sweeper = self._sweeper, None
        if sweeper is not None and sweeper is not asyncio.current_task():
            sweeper.cancel()
