"""Prebuilt reads: the same rows whichever way a statement runs, and every statement seen."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import pytest
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import Product
from vitrina.db import db_helper
from vitrina.kit.clock import utcnow
from vitrina.reads import _compiled, fetch, recorded_statements, run

_products = Product.__table__
BY_PRICE = (
    select(_products.c.id, _products.c.name, _products.c.price, _products.c.created_at)
    .where(_products.c.price >= bindparam("least"))
    .order_by(_products.c.price, _products.c.id)
    .limit(5)  # a constant parameter, bound by the compiled statement itself
)


async def test_a_reader_and_a_session_read_the_same_rows(make_product, session: AsyncSession):
    made = [await make_product(price=price) for price in (300, 100, 200)]
    async with db_helper.reading() as reader:
        with recorded_statements() as statements:
            on_reader = await fetch(reader, BY_PRICE, {"least": 150})
    in_session = await fetch(session, BY_PRICE, {"least": 150})
    expected = [(p.id, p.name, p.price) for p in sorted(made[::2], key=lambda p: p.price)]
    for rows in (on_reader, in_session):
        assert [(r["id"], r["name"], r["price"]) for r in rows] == expected
        assert all(r["created_at"].tzinfo is not None for r in rows)
        assert all(r["created_at"] <= datetime.now(UTC) for r in rows)
    assert len(statements) == 1
    sql, parameters = statements[0]
    assert "FROM products" in sql
    assert 150 in parameters


async def test_statements_rendered_at_execution_time_are_refused() -> None:
    expanding = select(_products.c.id).where(_products.c.id.in_(bindparam("ids", expanding=True)))
    with pytest.raises(ValueError, match="rendered at execution time"):
        _compiled(expanding, db_helper.engine.dialect)


async def test_statements_are_recorded_while_the_block_lasts(session: AsyncSession) -> None:
    with recorded_statements() as statements:
        await session.execute(select(_products.c.id).limit(1))
    await session.execute(select(_products.c.id).limit(1))
    async with db_helper.reading() as reader:
        await fetch(reader, BY_PRICE, {"least": 0})
    assert len(statements) == 1


async def test_a_session_runs_prebuilt_statements_in_each_of_its_transactions(
    make_product, session: AsyncSession
) -> None:
    """`run` finds the session's driver once per transaction or savepoint: after a commit, a
    rollback or a savepoint's end, its statements still go to the transaction the session has
    now, and one under a savepoint is undone with it."""
    products = cast(Table, Product.__table__)
    rename = (
        update(products)
        .where(products.c.id == bindparam("product"))
        .values(name=bindparam("n"), updated_at=bindparam("now"))
    )
    name_of = select(products.c.name).where(products.c.id == bindparam("product"))
    lamp = (await make_product(name="Lamp")).id

    async def name() -> str:
        return str((await run(session, name_of, {"product": lamp}))[0]["name"])

    await session.execute(select(products.c.id).limit(1))  # the transaction begins
    await run(session, rename, {"product": lamp, "n": "Kept", "now": utcnow()})
    await session.commit()
    await run(session, rename, {"product": lamp, "n": "Dropped", "now": utcnow()})
    assert await name() == "Dropped"
    await session.rollback()
    assert await name() == "Kept"
    async with session.begin_nested():
        await run(session, rename, {"product": lamp, "n": "In a savepoint", "now": utcnow()})
    assert await name() == "In a savepoint"
    with pytest.raises(LookupError):  # a savepoint rolled back: the transaction goes on
        async with session.begin_nested():
            await run(session, rename, {"product": lamp, "n": "Undone", "now": utcnow()})
            assert await name() == "Undone"
            raise LookupError
    assert await name() == "In a savepoint"
    await session.rollback()
    async with db_helper.reading() as reader:
        assert (await fetch(reader, name_of, {"product": lamp}))[0]["name"] == "Kept"
