"""`reads.write_session`, the busiest writes' session: what the ORM and prebuilt statements
write commits together or not at all, after-commit work follows the COMMIT, and a refusal
costs no connection. On SQLite it is the request's usual session; the same promises hold."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from sqlalchemy import Table, bindparam, event, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import Category, Product
from vitrina.db import db_helper
from vitrina.errors import Conflict
from vitrina.kit.after_commit import after_commit, wait_for_after_commit_jobs
from vitrina.kit.clock import utcnow
from vitrina.reads import run, write_session

_products = cast(Table, Product.__table__)
RENAME = (
    update(_products)
    .where(_products.c.id == bindparam("product"))
    .values(name=bindparam("name"), updated_at=bindparam("now"))
)


async def _name(product_id: int) -> str:
    async with db_helper.session_factory() as other:  # another connection: committed rows only
        return str(await other.scalar(select(Product.name).where(Product.id == product_id)))


async def _categories(slug: str) -> int:
    async with db_helper.session_factory() as other:
        return int(await other.scalar(select(func.count()).where(Category.slug == slug)) or 0)


async def _driver_of(session: AsyncSession) -> Any:
    """The database driver's connection under `session` (asyncpg's, or aiosqlite's)."""
    return (await (await session.connection()).get_raw_connection()).driver_connection


def _in_transaction(driver: Any) -> bool:
    if hasattr(driver, "is_in_transaction"):  # asyncpg
        return bool(driver.is_in_transaction())
    return bool(driver.in_transaction)  # aiosqlite


async def test_orm_and_prebuilt_changes_commit_together(make_product) -> None:
    lamp = await make_product(name="Lamp")
    async with write_session() as session:
        await run(session, RENAME, {"product": lamp.id, "name": "Desk lamp", "now": utcnow()})
        session.add(Category(name="Lighting", slug="lighting-w"))
        assert await _name(lamp.id) == "Lamp", "nothing is seen outside before the COMMIT"
    assert await _name(lamp.id) == "Desk lamp"
    assert await _categories("lighting-w") == 1


async def test_a_block_that_raises_writes_nothing_and_the_next_one_works(make_product) -> None:
    lamp = await make_product(name="Lamp")
    with pytest.raises(Conflict, match="refused"):
        async with write_session() as session:
            await run(session, RENAME, {"product": lamp.id, "name": "Lost", "now": utcnow()})
            session.add(Category(name="Lost", slug="lost-w"))
            await session.flush()
            raise Conflict("refused")
    assert await _name(lamp.id) == "Lamp"
    assert await _categories("lost-w") == 0
    async with write_session() as session:
        await run(session, RENAME, {"product": lamp.id, "name": "Kept", "now": utcnow()})
    assert await _name(lamp.id) == "Kept"


async def test_after_commit_work_runs_once_the_commit_is_done(make_product) -> None:
    lamp = await make_product(name="Lamp")
    seen: list[str] = []
    open_at_commit: list[bool] = []

    async def mail() -> None:
        seen.append(await _name(lamp.id))

    async with write_session() as session:
        await run(session, RENAME, {"product": lamp.id, "name": "Mailed", "now": utcnow()})
        after_commit(session, mail)
        driver = await _driver_of(session)
        event.listen(
            session.sync_session,
            "after_commit",
            lambda _: open_at_commit.append(_in_transaction(driver)),
        )
    await wait_for_after_commit_jobs()
    assert open_at_commit == [False], "after-commit work ran before the database committed"
    assert seen == ["Mailed"]


async def test_after_commit_work_is_dropped_when_the_block_raises(make_product) -> None:
    lamp = await make_product(name="Lamp")
    ran: list[str] = []

    async def mail() -> None:
        ran.append("mail")

    with pytest.raises(Conflict):
        async with write_session() as session:
            await run(session, RENAME, {"product": lamp.id, "name": "Lost", "now": utcnow()})
            after_commit(session, mail)
            raise Conflict("refused")
    await wait_for_after_commit_jobs()
    assert ran == []


@pytest.mark.postgres_only  # a deferred constraint: SQLite checks its constraints at once
async def test_a_commit_that_fails_is_raised_as_the_app_handles_it() -> None:
    with pytest.raises(IntegrityError):
        async with write_session() as session:
            await session.execute(
                text(
                    "CREATE TEMP TABLE once (n int UNIQUE DEFERRABLE INITIALLY DEFERRED) "
                    "ON COMMIT DROP"
                )
            )
            await session.execute(text("INSERT INTO once VALUES (1), (1)"))
    async with write_session() as session:  # the next write gets a working connection
        assert (await session.execute(text("SELECT 1"))).scalar() == 1


@pytest.mark.postgres_only  # the kept connections are PostgreSQL's (idle_readers.py)
async def test_a_refusal_keeps_its_connection() -> None:
    drivers: list[int] = []
    for _ in range(2):
        with pytest.raises(Conflict):
            async with write_session() as session:
                drivers.append(id(await _driver_of(session)))
                raise Conflict("out of stock")
    assert drivers[0] == drivers[1], "the connection was closed after a refusal"


async def test_a_request_cancelled_mid_write_leaves_nothing_open(make_product) -> None:
    """A task cancelled inside the block (a server shutting down, a timeout) writes nothing,
    holds no lock, and leaves no transaction open on a connection the next request gets."""
    lamp = await make_product(name="Lamp")
    written = asyncio.Event()

    async def cancelled_write() -> None:
        async with write_session() as session:
            await run(session, RENAME, {"product": lamp.id, "name": "Lost", "now": utcnow()})
            written.set()
            await asyncio.sleep(30)

    task = asyncio.create_task(cancelled_write())
    await written.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _name(lamp.id) == "Lamp"
    for name in ("Kept", "Kept again"):  # a lock left held would keep these waiting
        async with write_session() as session:
            await run(session, RENAME, {"product": lamp.id, "name": name, "now": utcnow()})
        assert await _name(lamp.id) == name, "a commit went into a transaction left open"
