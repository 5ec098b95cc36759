"""Prebuilt reads: the same rows whichever way a statement runs, and every statement seen."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import Product
from vitrina.db import db_helper
from vitrina.reads import _compiled, fetch, recorded_statements

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
