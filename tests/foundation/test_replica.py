"""DATABASE_REPLICA_URL: anonymous catalogue reads come from the replica while it is good,
and from the primary when it is down or behind; nothing else ever reads from it.

The "replica" here is a second database on the same server holding different rows, so that
an answer shows where it was read (a real streaming standby would hold the same rows); it is
"stopped" by dropping it with its connections. `python -m bench.replica` runs the same
checks against a real streaming standby made with pg_basebackup (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable

import asyncpg
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from vitrina import replica as replica_module
from vitrina import schema
from vitrina.catalog.models import Category, Product
from vitrina.config import ConfigError, Settings
from vitrina.db import db_helper


def _admin_dsn(database_url: str) -> str:
    base = database_url.rsplit("/", 1)[0].replace("postgresql+asyncpg://", "postgresql://")
    return f"{base}/postgres"


async def _admin(database_url: str, sql: str) -> None:
    conn = await asyncpg.connect(_admin_dsn(database_url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
async def replica_url(database_url: str) -> AsyncIterator[str]:
    """A migrated second database holding one product the primary does not have."""
    name = f"vitrina_replica_{secrets.token_hex(4)}"
    await _admin(database_url, f'CREATE DATABASE "{name}"')
    url = f"{database_url.rsplit('/', 1)[0]}/{name}"
    try:
        await asyncio.to_thread(schema.upgrade, url)
        engine = create_async_engine(url)
        try:
            async with AsyncSession(engine) as session:
                category = Category(name="Lamps", slug="lamps")
                session.add(category)
                await session.flush()
                session.add(
                    Product(
                        category_id=category.id,
                        name="Replica lamp",
                        slug="replica-lamp",
                        price=4200,
                        currency="usd",
                        stock=3,
                    )
                )
                await session.commit()
        finally:
            await engine.dispose()
        yield url
    finally:
        await _admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def with_replica(replica_url: str) -> AsyncIterator[replica_module.Replica]:
    """The app's reads routed as DATABASE_REPLICA_URL would, checked on every request."""
    replica = db_helper.configure_replica(replica_url, max_lag_seconds=10, check_seconds=0)
    try:
        yield replica
    finally:
        await db_helper.drop_replica()


def _names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


@pytest.mark.postgres_only
async def test_anonymous_catalogue_reads_come_from_the_replica(
    client: httpx.AsyncClient,
    make_product: Callable[..., object],
    staff_headers: dict[str, str],
    with_replica: replica_module.Replica,
) -> None:
    await make_product(name="Primary chair")  # type: ignore[operator]

    assert _names(await client.get("/api/v1/products")) == ["Replica lamp"]
    assert with_replica.state.usable and with_replica.state.lag_seconds == 0
    assert (await client.get("/api/v1/products/replica-lamp")).status_code == 200
    assert [c["name"] for c in (await client.get("/api/v1/categories")).json()] == ["Lamps"]
    # Signed in (here staff): the primary, which has the change just made.
    assert "Primary chair" in _names(await client.get("/api/v1/products", headers=staff_headers))


@pytest.mark.postgres_only
async def test_reads_keep_working_with_the_replica_stopped(
    client: httpx.AsyncClient,
    make_product: Callable[..., object],
    database_url: str,
    replica_url: str,
    with_replica: replica_module.Replica,
) -> None:
    await make_product(name="Primary chair")  # type: ignore[operator]
    assert _names(await client.get("/api/v1/products")) == ["Replica lamp"]

    name = replica_url.rsplit("/", 1)[1]
    await _admin(database_url, f'DROP DATABASE "{name}" WITH (FORCE)')  # the replica stops

    for _ in range(3):
        assert _names(await client.get("/api/v1/products")) == ["Primary chair"]
        page = await client.get("/api/v1/products/primary-chair")
        assert page.status_code == 200 and page.json()["name"] == "Primary chair"
    assert not with_replica.state.usable
    assert "does not exist" in with_replica.state.reason


@pytest.mark.postgres_only
async def test_a_replica_too_far_behind_is_not_read(
    client: httpx.AsyncClient,
    make_product: Callable[..., object],
    with_replica: replica_module.Replica,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await make_product(name="Primary chair")  # type: ignore[operator]
    assert _names(await client.get("/api/v1/products")) == ["Replica lamp"]

    monkeypatch.setattr(replica_module, "LAG_SQL", text("SELECT 60.0"))  # a minute behind
    assert _names(await client.get("/api/v1/products")) == ["Primary chair"]
    assert not with_replica.state.usable and with_replica.state.lag_seconds == 60.0

    monkeypatch.setattr(replica_module, "LAG_SQL", text("SELECT 2.0"))  # within 10 s again
    assert _names(await client.get("/api/v1/products")) == ["Replica lamp"]


def test_a_replica_needs_postgresql_on_both_sides() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url="sqlite+aiosqlite:///./x.db",
        database_replica_url="postgresql+asyncpg://127.0.0.1/replica",
        demo=True,
    )
    with pytest.raises(ConfigError, match="DATABASE_REPLICA_URL needs PostgreSQL"):
        settings.check()
