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


AMOUNTS_BEFORE = "20261205_currencies_1"
COUPON_ROW = (
    "INSERT INTO discount_coupons (number, discount, amount_off, end_at, is_active, "
    "times_redeemed, sync_version, synced_version, sync_attempts, created_at, updated_at) "
    "VALUES ('{number}', {discount}, {amount_off}, '2030-01-01 00:00:00', 1, 0, 1, 0, 0, "
    "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
)


def test_coupon_amounts_migration_keeps_percent_coupons_on_sqlite(tmp_path: object) -> None:
    """Up from the currencies revision with a percent coupon in place, the checks hold, and
    down again; an amount-off coupon stops the downgrade with the reason."""
    import sqlite3

    path = f"{tmp_path}/coupons.db"
    url = f"sqlite+aiosqlite:///{path}"
    schema.upgrade(url, AMOUNTS_BEFORE)
    db = sqlite3.connect(path)
    db.execute(
        "INSERT INTO discount_coupons (number, discount, end_at, is_active, times_redeemed, "
        "sync_version, synced_version, sync_attempts, created_at, updated_at) VALUES "
        "('OLD', 22, '2030-01-01 00:00:00', 1, 0, 1, 0, 0, '2026-01-01', '2026-01-01')"
    )
    db.commit()
    schema.upgrade(url)
    assert db.execute("SELECT number, discount, amount_off FROM discount_coupons").fetchall() == [
        ("OLD", 22, None)
    ]
    for number, discount, amount_off in [
        ("BOTH", 10, 500), ("NEITHER", "NULL", "NULL"), ("ZERO", "NULL", 0), ("old", 5, "NULL"),
    ]:  # fmt: skip
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(COUPON_ROW.format(number=number, discount=discount, amount_off=amount_off))
    db.rollback()
    schema.downgrade(url, AMOUNTS_BEFORE)
    assert db.execute("SELECT number, discount FROM discount_coupons").fetchall() == [("OLD", 22)]
    schema.upgrade(url)
    db.execute(COUPON_ROW.format(number="FIVE", discount="NULL", amount_off=500))
    db.commit()
    with pytest.raises(RuntimeError, match="amount-off coupon"):
        schema.downgrade(url, AMOUNTS_BEFORE)
    db.close()
