"""Public reads run outside a transaction: the read session refuses writes, and a text search's
planner setting lives only as long as the search."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from vitrina.catalog import search
from vitrina.catalog.models import Category
from vitrina.db import db_helper
from vitrina.reads import local_setting

pytestmark = pytest.mark.postgres_only


async def _setting(connection: object, name: str) -> str:
    return str(await connection.scalar(text(f"SHOW {name}")))  # type: ignore[attr-defined]


async def test_the_read_session_refuses_to_write() -> None:
    async for connection in db_helper.read_connection_geter():
        reader = db_helper.session_over(connection)
        reader.add(Category(name="Nope", slug="nope"))
        with pytest.raises(RuntimeError, match="read-only"):
            await reader.flush()


async def test_autocommit_search_sets_custom_plans_for_itself_only() -> None:
    async for connection in db_helper.read_connection_geter():
        with pytest.raises(ZeroDivisionError):
            async with local_setting(connection, search.CUSTOM_PLANS):
                assert await _setting(connection, "plan_cache_mode") == "force_custom_plan"
                raise ZeroDivisionError
        assert await _setting(connection, "plan_cache_mode") == "auto"


async def test_search_in_a_transaction_sets_custom_plans_for_the_transaction() -> None:
    async with db_helper.session_factory() as session:
        connection = await session.connection()
        async with local_setting(connection, search.CUSTOM_PLANS):
            assert await _setting(connection, "plan_cache_mode") == "force_custom_plan"
        await session.commit()
        assert await _setting(await session.connection(), "plan_cache_mode") == "auto"


async def test_connections_run_without_jit_or_parallel_workers() -> None:
    async for connection in db_helper.read_connection_geter():
        assert await _setting(connection, "jit") == "off"
        assert await _setting(connection, "max_parallel_workers_per_gather") == "0"


async def test_a_search_leaves_pooled_connections_as_it_found_them(
    client: httpx.AsyncClient, make_product
) -> None:
    await make_product(name="Walnut Tray")
    for _ in range(3):
        assert (await client.get("/api/v1/products", params={"q": "walnut"})).status_code == 200
    async for connection in db_helper.read_connection_geter():
        assert await _setting(connection, "plan_cache_mode") == "auto"
