"""Readers kept between reads (vitrina/idle_readers.py): reused, never the pool's last free
connection, handed back when idle, dropped after a failure, and dead ones cost no 500."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from fixtures.servers import kill_connections_to
from vitrina.db import make_engine
from vitrina.idle_readers import IdleReaders

pytestmark = pytest.mark.postgres_only  # SQLite readers are not kept


@pytest.fixture
async def reader_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url, pool_size=3, pool_timeout=0.5)
    yield engine.execution_options(isolation_level="AUTOCOMMIT")
    await engine.dispose()


async def _direct_read(reader: AsyncConnection) -> int:
    """A read as `reads.fetch` sends it: on the driver, outside any transaction."""
    raw = await reader.get_raw_connection()
    return int(await raw.driver_connection.fetchval("SELECT 1"))


def _checked_out(engine: AsyncEngine) -> int:
    return int(engine.sync_engine.pool.checkedout())  # type: ignore[attr-defined]


async def test_a_reader_is_kept_reused_and_handed_back_when_idle(reader_engine) -> None:
    readers = IdleReaders(reader_engine, keep=2, capacity=3, idle_seconds=0.2)
    async with readers.connection() as first:
        assert await _direct_read(first) == 1
    assert _checked_out(reader_engine) == 1  # kept, not checked in
    async with readers.connection() as second:
        assert second is first
    await asyncio.sleep(0.5)
    assert _checked_out(reader_engine) == 0  # the sweep handed it back


async def test_readers_never_hold_the_pools_last_connection(reader_engine) -> None:
    readers = IdleReaders(reader_engine, keep=3, capacity=3, idle_seconds=5)
    async with readers.connection(), readers.connection(), readers.connection():
        assert _checked_out(reader_engine) == 3
    # Three finished at once: two are kept, the last goes back for whoever needs one.
    assert _checked_out(reader_engine) == 2
    async with reader_engine.connect() as other:  # a session's request is not kept waiting
        assert await other.scalar(text("SELECT 1")) == 1
    await readers.close_all()
    assert _checked_out(reader_engine) == 0


async def test_a_reader_in_a_transaction_or_after_a_failure_is_not_kept(reader_engine) -> None:
    readers = IdleReaders(reader_engine, keep=2, capacity=3, idle_seconds=5)
    async with readers.connection():
        pass
    assert _checked_out(reader_engine) == 1
    async with readers.connection() as reader:
        await reader.scalar(text("SELECT 1"))  # SQLAlchemy's own transaction object begun
    assert _checked_out(reader_engine) == 0
    async with readers.connection():
        pass
    driver = None
    async with readers.connection() as reader:
        raw = await reader.get_raw_connection()
        driver = raw.driver_connection
        transaction = driver.transaction()
        await transaction.start()  # left open, as a bug would
    assert _checked_out(reader_engine) == 0
    async with readers.connection():
        pass
    with pytest.raises(ZeroDivisionError):
        async with readers.connection():
            raise ZeroDivisionError
    assert _checked_out(reader_engine) == 0  # the failed one and every idle one closed


async def test_killed_idle_readers_cost_no_error_on_the_hot_reads(
    client: httpx.AsyncClient, database_url: str, make_product
) -> None:
    product = await make_product(name="Ash Bench")
    for _ in range(3):
        assert (await client.get(f"/api/v1/products/{product.id}")).status_code == 200
    assert await kill_connections_to(database_url) >= 1
    # The dead reader fails, every idle one is dropped, the framework serves the read again.
    for _ in range(3):
        assert (await client.get(f"/api/v1/products/{product.id}")).status_code == 200
