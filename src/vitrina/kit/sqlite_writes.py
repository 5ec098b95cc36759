"""SQLite's one writer, taken before a transaction reads what it is going to write.

PostgreSQL serialises the store's writers on rows (`SELECT ... FOR UPDATE`). SQLite has no row
locks (SQLAlchemy drops `FOR UPDATE` there), and the sqlite3 driver's legacy transaction control
begins a transaction only at the first INSERT, UPDATE or DELETE, and a deferred one: what a
checkout read before that (the stock, a coupon's redemptions) was read outside any transaction,
so 30 parallel checkouts of a product with 5 in stock all saw 5.

`serialise_writers(engine)` makes a session's transaction begin with `BEGIN IMMEDIATE` at its
first statement that writes or locks: DML or DDL, a `SAVEPOINT`, or a `SELECT ... FOR UPDATE`
(the places where PostgreSQL takes row locks). `BEGIN IMMEDIATE` takes the database's one write
lock, waiting up to `BUSY_TIMEOUT_MS` for it; from there on the transaction reads the latest
commit and nothing else can write until it commits, so checkout and fulfilment are serialised on
the database, across processes too (the driver's own implicit BEGIN, before DML, then finds a
transaction open and adds none). Reads before that statement run one by one outside a
transaction, as PostgreSQL's READ COMMITTED reads them. A session that only reads never takes
the lock, nor does the autocommit reader (`ReaderDep`): in WAL mode they read while a writer
writes.

SQLAlchemy's documented recipe (driver `isolation_level = None`, `BEGIN` emitted in the engine's
"begin" event) begins at a session's first SELECT instead; with IMMEDIATE every read-only
request would hold the store's one write lock for its whole length, and a test's open read
session would block the app. Holding the lock across a Stripe call serialises checkouts of
every product on SQLite (on PostgreSQL only those of the same product): the price of the
embedded database, not a deadlock (nothing that answers Stripe's webhooks is awaited while the
lock is held; the webhook's own request waits for the lock like any writer).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry

BUSY_TIMEOUT_MS = 30_000
"""How long a writer waits for the write lock before "database is locked" (answered 503)."""

READING_VERBS = frozenset({"SELECT", "WITH", "PRAGMA", "EXPLAIN", "VALUES"})
TRANSACTION_VERBS = frozenset({"BEGIN", "COMMIT", "END", "ROLLBACK", "RELEASE", "VACUUM"})
"""Statements that control (or, VACUUM, refuse) a transaction themselves."""


def _unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def set_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # SQLite's lower() folds ASCII only; the catalog's search needs "Наушники" -> "наушники".
    dbapi_connection.create_function("vitrina_lower", 1, _unicode_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def serialise_writers(engine: Engine) -> None:
    """Pragmas on every new connection; `BEGIN IMMEDIATE` before a transaction's first write."""
    event.listen(engine, "connect", set_pragmas)
    event.listen(engine, "before_cursor_execute", _begin_immediate_before_writing)


def writes_or_locks(statement: str, context: Any) -> bool:
    """Whether a statement needs the write lock: anything but a plain read."""
    verb = statement.lstrip()[:10].split(None, 1)[0].upper() if statement.strip() else ""
    if verb in TRANSACTION_VERBS:
        return False
    if verb not in READING_VERBS:
        return True
    if context is None:
        return False
    if context.isinsert or context.isupdate or context.isdelete:  # WITH ... INSERT
        return True
    compiled = getattr(context, "compiled", None)
    return getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is not None


def _in_transaction(dbapi_connection: Any) -> bool:
    driver = getattr(dbapi_connection, "_connection", dbapi_connection)  # aiosqlite's adapter
    return bool(driver.in_transaction)


def _begin_immediate_before_writing(
    conn: Connection,
    cursor: Any,
    statement: str,
    _parameters: Any,
    context: Any,
    _executemany: bool,
) -> None:
    if not writes_or_locks(statement, context):
        return
    if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return
    if _in_transaction(conn.connection.dbapi_connection):
        return
    cursor.execute("BEGIN IMMEDIATE")


def is_busy(error: BaseException) -> bool:
    """SQLite's "database is locked" (or busy): the write lock was not free within the busy
    timeout. Not the caller's fault and not lasting: answered 503 with Retry-After."""
    if not isinstance(error, DBAPIError):
        return False
    message = str(error.orig).lower()
    return type(error.orig).__name__ == "OperationalError" and (
        "database is locked" in message or "database is busy" in message
    )
