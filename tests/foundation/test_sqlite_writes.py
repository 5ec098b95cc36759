"""SQLite's one writer: a transaction takes it (`BEGIN IMMEDIATE`) at its first write or
`FOR UPDATE`, reads never take it, and a writer that cannot get it in time is told to come
back (503 with Retry-After), never a 500."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from admin.helpers import admin_login, csrf
from storefront.helpers import csrf_from
from vitrina.accounts.models import User
from vitrina.catalog.models import Product
from vitrina.db import db_helper
from vitrina.kit import sqlite_writes

pytestmark = pytest.mark.skipif(
    os.environ.get("VITRINA_TEST_DATABASE") != "sqlite", reason="SQLite's write lock"
)


@contextmanager
def write_lock_held_elsewhere(database_url: str) -> Iterator[None]:
    """Another connection (another process, as far as SQLite can tell) holds the write lock."""
    other = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


def write_lock_is_free(database_url: str) -> bool:
    other = sqlite3.connect(make_url(database_url).database or "", timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        other.close()


@pytest.fixture
async def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """The app's connections wait 0.2 s for the write lock instead of 30 s."""
    monkeypatch.setattr(sqlite_writes, "BUSY_TIMEOUT_MS", 200)
    await db_helper.engine.dispose()
    yield
    monkeypatch.undo()
    await db_helper.engine.dispose()


async def test_a_session_takes_the_write_lock_at_its_first_write_or_lock(
    database_url: str, make_product: Callable[..., object]
) -> None:
    product = await make_product(stock=3)  # type: ignore[misc]
    async with db_helper.session_factory() as session:
        await session.scalar(select(Product.stock).where(Product.id == product.id))
        assert write_lock_is_free(database_url), "a read takes no lock"
        await session.scalar(
            select(Product.stock).where(Product.id == product.id).with_for_update()
        )
        assert not write_lock_is_free(database_url), "FOR UPDATE takes the write lock"
        await session.commit()
        assert write_lock_is_free(database_url)
        session.add(User(email="lock@example.com", password_hash="!"))
        await session.flush()
        assert not write_lock_is_free(database_url), "a write takes it"
        await session.rollback()
    assert write_lock_is_free(database_url)
    async with db_helper.reading() as reader:
        await reader.execute(select(Product.id).with_for_update())
        assert write_lock_is_free(database_url), "the autocommit reader never takes it"


@pytest.mark.usefixtures("short_busy_timeout")
async def test_a_writer_kept_waiting_past_the_busy_timeout_gets_503_and_reads_go_on(
    client: httpx.AsyncClient,
    database_url: str,
    make_product: Callable[..., object],
    customer_headers: dict[str, str],
) -> None:
    product = await make_product(name="Waiting lamp", stock=3)  # type: ignore[misc]
    basket_item = f"/api/v1/basket/items/{product.id}"  # type: ignore[attr-defined]
    with write_lock_held_elsewhere(database_url):
        refused = await client.put(basket_item, json={"quantity": 1}, headers=customer_headers)
        assert refused.status_code == 503, refused.text
        assert refused.headers["Retry-After"] == "5"
        assert refused.json() == {
            "detail": "The store is busy writing other orders. Try again in a few seconds."
        }
        listed = await client.get("/api/v1/products")
        assert listed.status_code == 200
        assert [p["name"] for p in listed.json()["items"]] == ["Waiting lamp"]
        assert (await client.get(f"/api/v1/products/{product.id}")).status_code == 200  # type: ignore[attr-defined]
        page = await client.get(f"/product/{product.slug}")  # type: ignore[attr-defined]
        assert page.status_code == 200 and "Waiting lamp" in page.text
        added = await client.post(
            "/basket/items",
            data={"product_id": product.id, "csrf_token": csrf_from(page.text)},  # type: ignore[attr-defined]
        )
        assert added.status_code == 503 and added.headers["Retry-After"] == "5"
        assert added.headers["content-type"].startswith("text/html")
        assert "Please try again in a moment." in added.text
    accepted = await client.put(basket_item, json={"quantity": 1}, headers=customer_headers)
    assert accepted.status_code == 200, accepted.text


async def test_every_connection_is_wal_with_foreign_keys_and_a_30_second_busy_timeout() -> None:
    async with db_helper.reading() as reader:
        pragmas = [
            (await reader.exec_driver_sql(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        ]
    assert pragmas == ["wal", 1, 30_000]


@pytest.mark.usefixtures("short_busy_timeout")
async def test_an_admin_change_kept_waiting_is_503_too(
    client: httpx.AsyncClient,
    database_url: str,
    make_product: Callable[..., object],
    staff: User,
) -> None:
    product = await make_product(stock=3)  # type: ignore[misc]
    assert (await admin_login(client, staff)).status_code in (302, 303)
    token = await csrf(client)
    with write_lock_held_elsewhere(database_url):
        refused = await client.post(
            f"/admin/product/action/deactivate?pks={product.id}",  # type: ignore[attr-defined]
            data={"csrf_token": token},
        )
    assert refused.status_code == 503, refused.text[:300]
    assert refused.headers["Retry-After"] == "5"


@pytest.mark.parametrize(
    ("statement", "takes_the_lock"),
    [
        ("SELECT 1", False),
        ("  with t as (select 1) select * from t", False),
        ("PRAGMA foreign_keys", False),
        ("INSERT INTO x VALUES (1)", True),
        ("update x set a = 1", True),
        ("SAVEPOINT sa_savepoint_1", True),
        ("CREATE TABLE t (a)", True),
        ("BEGIN IMMEDIATE", False),
        ("VACUUM", False),
    ],
)
def test_which_statements_take_the_write_lock(statement: str, takes_the_lock: bool) -> None:
    assert sqlite_writes.writes_or_locks(statement, None) is takes_the_lock
