"""Test foundation: a fresh database per run built by the migrations, each test isolated.

The database is PostgreSQL (a new `vitrina_test_<random>` database on 127.0.0.1, dropped at the
end) unless VITRINA_TEST_DATABASE=sqlite, which runs the portable tests on a SQLite file. Each
test runs against the real app over ASGI; after it, every table is emptied and the Stripe
emulator reset, so tests can commit, race and run several connections like production does.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina import schema
from vitrina.app import create_app
from vitrina.config import Settings
from vitrina.db import db_helper
from vitrina.models import Base

pytest_plugins = [
    "fixtures.accounts",
    "fixtures.stripe",
    "fixtures.catalog",
    "fixtures.servers",
    "fixtures.hot_routes",
]

BACKEND = os.environ.get("VITRINA_TEST_DATABASE", "postgres")
PG_ADMIN_DSN = os.environ.get("VITRINA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if BACKEND == "postgres":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database built by running every migration, dropped after the run."""
    if BACKEND == "sqlite":
        path = tmp_path_factory.mktemp("db") / "vitrina.db"
        url = f"sqlite+aiosqlite:///{path}"
        schema.upgrade(url)
        yield url
        return
    name = f"vitrina_test_{secrets.token_hex(4)}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    # A test database need not survive a power cut: commits don't wait for the disk.
    asyncio.run(_pg_admin(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    url = f"{base}/{name}"
    try:
        schema.upgrade(url)
        yield url
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def settings(
    database_url: str, stripe_settings: dict[str, object], tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        jwt_secret=SecretStr(secrets.token_urlsafe(48)),
        public_base_url="http://testserver",
        mail_backend="memory",
        media_dir=Path(tmp_path_factory.mktemp("media")),
        bcrypt_rounds=4,
        log_level="WARNING",
        # The race tests check who gets the stock, not how long a loaded machine makes 50
        # buyers queue for a connection: they wait for one instead of getting the 503.
        database_pool_timeout=60,
        **stripe_settings,
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def session(app: FastAPI) -> AsyncIterator[AsyncSession]:
    """A session of the test's own, for arranging data and checking what the app wrote."""
    async with db_helper.session_factory() as s:
        yield s


async def _empty_all_tables() -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    for attempt in range(5):
        try:
            await _empty(tables)
            return
        except DBAPIError as exc:  # work the test started may still hold a lock; wait for it
            if attempt == 4 or not any(w in str(exc).lower() for w in ("deadlock", "lock timeout")):
                raise
            await asyncio.sleep(0.2 * (attempt + 1))


async def _empty(tables: list[str]) -> None:
    """DELETE, not TRUNCATE: on a few rows it is ~50x faster (TRUNCATE rewrites every table)."""
    async with db_helper.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            for table in tables:
                await conn.execute(text(f"DELETE FROM {table}"))
            sequences = await conn.scalars(
                text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
            )
            for sequence in sequences.all():
                await conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
        else:
            await conn.execute(text("PRAGMA defer_foreign_keys=ON"))
            for table in tables:
                await conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(autouse=True)
async def _isolated(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """After each test: stop and forget the emulator's state (pending webhooks included),
    then empty every table."""
    yield
    if "stripe_emulator" in request.fixturenames or "app" in request.fixturenames:
        request.getfixturevalue("stripe_emulator").reset()
    if "app" in request.fixturenames:
        await _empty_all_tables()
