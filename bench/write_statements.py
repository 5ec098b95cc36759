"""The SQL statements of each write request, the store's against its floor's.

    .venv/bin/python -m bench.write_statements [--sql]
    VITRINA_BENCH_PG=postgresql://postgres@127.0.0.1:5432/postgres  (admin DSN, optional)

Makes a scratch database on the machine's PostgreSQL (dropped after), starts the Stripe
emulator in a thread and the store in-process, then sends the same requests once through the
store (counted by `reads.recorded_statements()`) and once through bench/write_floor.py on a
customer of its own (counted by asyncpg's query logger): a basket update of a two-line
basket, a checkout that opens a session, a checkout that gets the open one back, the paid
session's `checkout.session.completed` (webhook -> order, with the confirmation's claim) and
the same event once more. Prints a table; exits 1 when any count differs, so that a change to
the store's write path that the floor does not follow is caught
(tests/proof/test_write_floor_statements.py runs `compare` in CI).

Transaction control (BEGIN, COMMIT) is not counted on either side: SQLAlchemy's event does not
see it; savepoints are counted on both.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from bench import write_floor
from bench.postgres import run_sql
from bench.prepare import sign
from vitrina import schema
from vitrina.accounts.models import Role, User
from vitrina.accounts.security import create_access_token
from vitrina.app import create_app
from vitrina.catalog import service as catalog_service
from vitrina.catalog.models import Category
from vitrina.catalog.schemas import ProductCreate
from vitrina.config import Settings
from vitrina.db import db_helper
from vitrina.orders.notifications import wait_for_outgoing_mail
from vitrina.reads import recorded_statements
from vitrina.stripe_emulator.testing import EmulatorServer

ADMIN_DSN = os.environ.get("VITRINA_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
WEBHOOK_PATH = "/api/v1/stripe/webhook"
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")
DRIVER_OWN = ("SELECT current_setting('jit')", "WITH RECURSIVE typeinfo_tree")
"""asyncpg's own look-up of a type it meets for the first time on a connection (once per
connection and type, like SQLAlchemy's, which its event does not see either)."""


@dataclass(frozen=True)
class Counted:
    request: str
    store: list[str]
    floor: list[str]

    @property
    def same(self) -> bool:
        return len(self.store) == len(self.floor)


_floor_seen: list[str] | None = None


def _log_query(record: Any) -> None:
    query = " ".join(record.query.split())
    control = query.upper().startswith(TRANSACTION_CONTROL)
    counted = not control and not query.startswith(DRIVER_OWN)
    if _floor_seen is not None and counted:
        _floor_seen.append(query)


async def _recording_connection(connection: asyncpg.Connection) -> None:
    connection.add_query_logger(_log_query)


@contextmanager
def _floor_statements() -> Iterator[list[str]]:
    global _floor_seen
    seen: list[str] = []
    _floor_seen = seen
    try:
        yield seen
    finally:
        _floor_seen = None


async def products_and_customers(
    label: str, stock: int, customers: int
) -> tuple[list[int], list[User]]:
    """Two products with `stock` each in a category of their own named `label`, and
    `customers` new customer accounts (no password)."""
    async with db_helper.session_factory() as session:
        slug = f"{label.lower().replace(' ', '-')}-{secrets.token_hex(3)}"
        category = Category(name=label, slug=slug)
        session.add(category)
        await session.flush()
        products = [
            await catalog_service.create_product(
                session,
                ProductCreate(
                    name=f"{label} {i}", price=1200 + i, stock=stock, category_id=category.id
                ),
            )
            for i in range(2)
        ]
        users = [
            User(email=f"{slug}-{n}@bench.example.com", password_hash="!", role=Role.CUSTOMER)
            for n in range(customers)
        ]
        session.add_all(users)
        await session.commit()
    return [p.id for p in products], users


async def _arrange(settings: Settings) -> tuple[list[int], User, User]:
    """Two products in stock and two customers: the store's and the floor's."""
    products, (store, floor) = await products_and_customers("Write floor", 50, 2)
    return products, store, floor


async def _completed_event(settings: Settings, session_id: str) -> tuple[str, str]:
    """Pay the session in the emulator; its signed `checkout.session.completed`."""
    assert settings.stripe_api_base and settings.stripe_api_key
    auth = {"Authorization": f"Bearer {settings.stripe_api_key.get_secret_value()}"}
    async with httpx.AsyncClient(base_url=settings.stripe_api_base, timeout=30) as emulator:
        paid = await emulator.post(
            f"/_emulator/checkout/sessions/{session_id}/complete", json={"outcome": "paid"}
        )
        paid.raise_for_status()
        params: dict[str, str | int] = {"type": "checkout.session.completed", "limit": 100}
        events = (await emulator.get("/v1/events", params=params, headers=auth)).json()["data"]
    [event] = [e for e in events if e["data"]["object"]["id"] == session_id]
    payload = json.dumps(event, separators=(",", ":"))
    return payload, sign(payload, settings.webhook_key())


async def compare(client: httpx.AsyncClient, settings: Settings) -> list[Counted]:
    """Each write request through the store (`client`, the app over ASGI) and through the
    floor, on a database migrated to head with the emulator at `settings.stripe_api_base`."""
    product_ids, store_user, floor_user = await _arrange(settings)
    headers = {"Authorization": f"Bearer {create_access_token(store_user)}"}
    dsn = settings.database_url.replace("postgresql+asyncpg://", "postgresql://")
    pool = await write_floor.create_pool(dsn, 2, init=_recording_connection)
    counted: list[Counted] = []

    async def both(
        name: str,
        store: Callable[[], Awaitable[httpx.Response]],
        floor: Callable[[], Awaitable[bytes]],
    ) -> tuple[httpx.Response, bytes]:
        with recorded_statements() as store_sql:
            answer = await store()
            await wait_for_outgoing_mail()
        with _floor_statements() as floor_sql:
            floor_answer = await floor()
        answer.raise_for_status()
        counted.append(Counted(name, [sql for sql, _ in store_sql], floor_sql))
        return answer, floor_answer

    try:
        for product_id in product_ids:  # a two-line basket on each side
            put = await client.put(
                f"/api/v1/basket/items/{product_id}", json={"quantity": 1}, headers=headers
            )
            put.raise_for_status()
            await write_floor.basket_update(pool, floor_user.id, product_id, 1)
        first = product_ids[0]
        await both(
            "basket update (a line of two changed)",
            lambda: client.put(
                f"/api/v1/basket/items/{first}", json={"quantity": 2}, headers=headers
            ),
            lambda: write_floor.basket_update(pool, floor_user.id, first, 2),
        )
        opened, floor_opened = await both(
            "checkout, new session",
            lambda: client.post("/api/v1/checkout", headers=headers),
            lambda: write_floor.checkout(pool, floor_user.id),
        )
        await both(
            "checkout, the open session handed back",
            lambda: client.post("/api/v1/checkout", headers=headers),
            lambda: write_floor.checkout(pool, floor_user.id),
        )
        store_event = await _completed_event(settings, opened.json()["session_id"])
        floor_event = await _completed_event(settings, json.loads(floor_opened)["session_id"])
        signed = {"Stripe-Signature": store_event[1], "Content-Type": "application/json"}
        for name in ("webhook -> order", "webhook replayed"):
            answer, floor_answer = await both(
                name,
                lambda: client.post(WEBHOOK_PATH, content=store_event[0], headers=signed),
                lambda: write_floor.webhook(pool, floor_event[0].encode(), floor_event[1]),
            )
            outcome = "handled" if name == "webhook -> order" else "already_handled"
            assert answer.json()["outcome"] == json.loads(floor_answer)["outcome"] == outcome
    finally:
        await pool.close()
    return counted


def print_table(counted: list[Counted], console: Console, *, show_sql: bool = False) -> None:
    table = Table(title="SQL statements per request (BEGIN/COMMIT not counted)")
    for column in ("request", "store", "floor", ""):
        table.add_column(column, justify="left" if column == "request" else "right")
    for row in counted:
        table.add_row(
            row.request, str(len(row.store)), str(len(row.floor)), "same" if row.same else "DIFFER"
        )
    console.print(table)
    for row in counted:
        if show_sql or not row.same:
            console.print(f"\n[bold]{row.request}[/bold]")
            for side, statements in (("store", row.store), ("floor", row.floor)):
                for n, sql in enumerate(statements, 1):
                    console.print(f"  {side} {n:2}: {' '.join(sql.split())[:150]}", soft_wrap=True)


def in_process_settings(url: str, api_key: str, api_base: str | None = None) -> Settings:
    """The store's settings for a run of the app in this process: fresh secrets, mail kept
    in memory, warnings only."""
    return Settings(
        _env_file=None,
        database_url=url,
        jwt_secret=SecretStr(secrets.token_urlsafe(48)),
        stripe_api_key=SecretStr(api_key),
        stripe_api_base=api_base,
        stripe_webhook_secret=SecretStr("whsec_" + secrets.token_urlsafe(24)),
        stripe_max_network_retries=0,
        mail_backend="memory",
        log_level="WARNING",
    )


async def _run(url: str, show_sql: bool) -> list[Counted]:
    with EmulatorServer() as emulator:
        settings = in_process_settings(url, emulator.api_key, emulator.base_url)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                counted = await compare(client, settings)
        await db_helper.dispose()
    print_table(counted, Console(width=160), show_sql=show_sql)
    return counted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--sql", action="store_true", help="List every statement of each side.")
    args = parser.parse_args()
    name = f"vitrina_statements_{secrets.token_hex(4)}"
    asyncio.run(run_sql(ADMIN_DSN, f'CREATE DATABASE "{name}"'))
    url = f"{ADMIN_DSN.rsplit('/', 1)[0]}/{name}".replace("postgresql://", "postgresql+asyncpg://")
    try:
        schema.upgrade(url)
        counted = asyncio.run(_run(url, args.sql))
    finally:
        asyncio.run(run_sql(ADMIN_DSN, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    sys.exit(0 if all(row.same for row in counted) else 1)


if __name__ == "__main__":
    main()
