"""The migrations build exactly the models' schema, and undo it, on this run's database."""

from __future__ import annotations

import asyncio
import os
import secrets
import warnings

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from vitrina import schema
from vitrina.catalog.database_only import include_object
from vitrina.db import make_engine
from vitrina.models import Base

PG_ADMIN_DSN = os.environ.get("VITRINA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_object}
    )
    with warnings.catch_warnings():
        # SQLite cannot reflect the case-insensitive coupon-code index; PostgreSQL checks it.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        return list(compare_metadata(context, Base.metadata))


async def _autogenerate_diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_diff)
    finally:
        await engine.dispose()


async def test_models_and_migrations_agree(database_url: str) -> None:
    assert await _autogenerate_diff(database_url) == []


async def test_database_is_at_head(database_url: str) -> None:
    assert await schema.current_revision(database_url) == schema.head_revision()


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.mark.postgres_only
def test_upgrade_from_empty_and_downgrade_to_empty_on_postgres() -> None:
    name = f"vitrina_migrate_{secrets.token_hex(4)}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    url = f"{url}/{name}"
    try:
        schema.upgrade(url)
        assert asyncio.run(schema.current_revision(url)) == schema.head_revision()
        schema.downgrade(url, "base")
        assert asyncio.run(schema.current_revision(url)) is None
        schema.upgrade(url)
        assert asyncio.run(_autogenerate_diff(url)) == []
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def test_out_of_date_database_is_refused_with_the_fix(tmp_path: object) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/empty.db"
    with pytest.raises(schema.SchemaOutOfDate, match="vitrina migrate"):
        await schema.ensure_up_to_date(url)
