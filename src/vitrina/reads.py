"""Prebuilt reads: a Core statement compiled once and run on PostgreSQL's driver directly.

The busiest public requests (the product list, the product page) run the same few statements
all day. Executing them through SQLAlchemy (compiled-cache lookup, parameter and result
processing, a greenlet switch per call) cost a fifth of such a request's CPU, more than
PostgreSQL's own work. `fetch` compiles each statement once per dialect and, on an autocommit
PostgreSQL reader (`db_helper.reading()`), runs it with asyncpg, whose prepared-statement
cache then skips parsing too. Anywhere else (SQLite, a request's session, which has a
transaction SQLAlchemy must see) it executes through SQLAlchemy. Rows are read by column name
either way: an asyncpg `Record` or a SQLAlchemy `RowMapping`.

What runs directly gets no SQLAlchemy type processing, so such statements select plain
columns: numbers, text, booleans and `timestamptz` (which asyncpg returns timezone-aware, as
`UTCDateTime` would). Bound values are passed as they are; a statement whose parameters
SQLAlchemy would render at execution time (an expanding IN) is refused when compiled: use
`= ANY(array)` on PostgreSQL instead; so is a write that leaves a column with a Python-side
default (`updated_at`'s `onupdate`) for SQLAlchemy to fill in: set it.

`run` does the same for the hot writes (the basket line, fulfilment) inside a request's
session: once SQLAlchemy has begun the transaction on the connection, a prebuilt statement is
sent to asyncpg in that same transaction. Such statements are for rows the session has not
loaded as objects (or whose objects the caller brings up to date), since the ORM cannot see
them; before the first statement of a transaction, and on SQLite, they go through SQLAlchemy.
`write_session()` (the basket change) begins the transaction in asyncpg itself, on a kept
reader, so every statement of `run` goes straight to the driver from the first.

`recorded_statements()` sees both kinds: tests count a request's statements, the benchmark
replays them against its floor.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol
from weakref import WeakKeyDictionary

from sqlalchemy import Dialect, Integer, any_, bindparam, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import SessionTransaction
from sqlalchemy.sql import Executable

from vitrina.db import Executor, db_helper


class Row(Protocol):
    """A result row read by column name."""

    def __getitem__(self, key: str, /) -> Any: ...


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    constants: Mapping[str, Any]

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        merged = {**self.constants, **values}
        return [merged[name] for name in self.names]


@lru_cache(maxsize=512)
def _compiled(statement: Executable, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    if compiled.post_compile_params or compiled.literal_execute_params:
        raise ValueError("a prebuilt read cannot have parameters rendered at execution time")
    if compiled.insert_prefetch or compiled.update_prefetch:  # e.g. `onupdate=utcnow`
        raise ValueError("a prebuilt statement must set the columns that have Python defaults")
    constants = {  # values written into the statement itself, such as a subquery's LIMIT 1
        compiled.bind_names[bind]: bind.value
        for bind in compiled.binds.values()
        if not bind.required
    }
    return _Compiled(str(compiled), tuple(compiled.positiontup or ()), constants)


def among(column: Any, postgres: bool, name: str = "ids") -> Any:
    """`column` among the ids bound as `name`: `= ANY(array)` on PostgreSQL (a statement
    this module can run on the driver), an expanding IN elsewhere (run through SQLAlchemy)."""
    if postgres:
        return column == any_(bindparam(name, type_=ARRAY(Integer)))
    return column.in_(bindparam(name, expanding=True))


Observer = Callable[[str, Sequence[Any]], None]
_observers: list[Observer] = []


def _observe(sql: str, arguments: Sequence[Any]) -> None:
    for observe in _observers:
        observe(sql, arguments)


async def _driver_of(executor: Executor) -> Any | None:
    """The asyncpg connection under an autocommit PostgreSQL reader outside any transaction
    (`local_setting` opens one on the driver: its statements go through SQLAlchemy, as
    before), else None."""
    if not isinstance(executor, AsyncConnection) or executor.dialect.driver != "asyncpg":
        return None
    sync = executor.sync_connection
    if sync is None or sync.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
        return None
    # The pooled connection is at hand unless the connection was closed or invalidated
    # (SQLAlchemy would reconnect, which is I/O): `get_raw_connection()` spawns a greenlet
    # to read it in every case (3% of a product page's instructions, `make bench-instructions`).
    live = not (sync.closed or sync.invalidated)
    pooled = sync.connection if live else await executor.get_raw_connection()
    driver = pooled.driver_connection
    return None if driver is None or driver.is_in_transaction() else driver


async def _through_sqlalchemy(
    executor: Executor, statement: Executable, values: Mapping[str, Any]
) -> Sequence[Row]:
    result = await executor.execute(statement, dict(values))
    return list(result.mappings())


async def fetch(
    executor: Executor, statement: Executable, values: Mapping[str, Any]
) -> Sequence[Row]:
    """Every row of a prebuilt statement (see the module's notes)."""
    driver = await _driver_of(executor)
    if driver is None:
        return await _through_sqlalchemy(executor, statement, values)
    assert isinstance(executor, AsyncConnection)  # a reader, or there would be no driver
    compiled = _compiled(statement, executor.dialect)
    arguments = compiled.arguments(values)
    _observe(compiled.sql, arguments)
    try:
        rows: Sequence[Row] = await driver.fetch(compiled.sql, *arguments)
    except TimeoutError:
        raise  # the command timeout: answered 503, not worth waiting for twice
    except Exception:
        # Any other driver error is met again through SQLAlchemy (a read is safe to repeat),
        # which raises it as the app's handlers expect (bad data 422, a lost connection 503)
        # and, for a lost connection, invalidates the pool so the next request gets a live one.
        return await _through_sqlalchemy(executor, statement, values)
    return rows


_in_transaction: WeakKeyDictionary[SessionTransaction, tuple[AsyncConnection, Any]] = (
    WeakKeyDictionary()
)
"""The connection and asyncpg connection of each session transaction (or savepoint) that has
begun on the driver: found once, as a transaction keeps its connection to the end (asking
the session for them again spawned two greenlets for every statement)."""


async def _driver_in_transaction(session: AsyncSession) -> tuple[AsyncConnection, Any | None]:
    """The session's connection, and its asyncpg connection when a transaction is open on
    it (SQLAlchemy begins one lazily, at the first statement it executes; the driver's own
    one, in `write_session`, is open from the start)."""
    if (owned := _driver_owned.get(session)) is not None:
        return owned
    transaction = _innermost(session)
    if transaction is not None and (found := _in_transaction.get(transaction)) is not None:
        return found
    connection = await session.connection()
    if connection.dialect.driver != "asyncpg":
        return connection, None
    driver = (await connection.get_raw_connection()).driver_connection
    if driver is None or not driver.is_in_transaction():
        return connection, None
    transaction = _innermost(session)
    if transaction is not None:
        _in_transaction[transaction] = (connection, driver)
    return connection, driver


_driver_owned: WeakKeyDictionary[AsyncSession, tuple[AsyncConnection, Any]] = WeakKeyDictionary()
"""The sessions of `write_session` on PostgreSQL, with their connection and the asyncpg
connection whose transaction they run in."""


@asynccontextmanager
async def write_session() -> AsyncIterator[AsyncSession]:
    """A write request's session, as `SessionDep` gives one: committed on the way out, rolled
    back when the block raises. For the busiest writes: on PostgreSQL it skips SQLAlchemy's
    pool and transaction around the driver's (callgrind: 4.08 -> 3.90 M instructions per
    basket change).

    On asyncpg the transaction is the driver's own (BEGIN and COMMIT sent by asyncpg), on a
    kept autocommit connection (`db_helper.reading()`, idle_readers.py), and the session is
    bound to that connection: SQLAlchemy, in autocommit mode, sends what the ORM does into
    the same transaction without a transaction of its own, and `run` sends prebuilt
    statements to the driver from the first one on. So no pool checkout, no SQLAlchemy
    BEGIN/COMMIT, no first statement through SQLAlchemy merely to open the transaction.

    The ORM's changes are flushed before the COMMIT; the session is committed (no SQL) after
    it, so its after-commit work (a mail, kept files) follows the real COMMIT, as with
    `SessionDep`. A block that raises is rolled back and the connection kept (a refusal is
    not the connection's fault); a COMMIT or ROLLBACK that fails closes it and the idle ones,
    as a failed read does; a cancelled block closes its connection, open transaction and
    all. Elsewhere (SQLite), the request's session as `SessionDep` makes it.
    """
    if db_helper.engine.dialect.driver != "asyncpg":
        async with asynccontextmanager(db_helper.session_geter)() as session:
            yield session
        return
    failure: Exception | None = None
    async with db_helper.reading() as connection:
        driver = await _driver_of(connection)
        assert driver is not None, "a primary reader is an autocommit asyncpg connection"
        session = AsyncSession(bind=connection, expire_on_commit=False)
        _driver_owned[session] = (connection, driver)
        transaction = driver.transaction()
        try:
            await transaction.start()
            try:
                yield session
                if _flush_due(session):
                    await session.flush()
            except Exception as error:
                failure = error
                await transaction.rollback()
                raise
            try:
                await transaction.commit()
            except Exception as error:  # a deferred constraint, a lost connection: as 409, 503
                raise _translated(connection, "COMMIT", (), error) from error
            if session.in_transaction() or session.sync_session.info:
                await session.commit()  # SQLAlchemy's after-commit events, after the COMMIT
        except Exception as error:
            await session.rollback()  # SQLAlchemy's after-rollback events: pending work dropped
            if error is not failure:
                # The COMMIT or the ROLLBACK failed: the connection is suspect, and one still
                # in a transaction must not reach the next request.
                if driver.is_in_transaction():
                    await connection.invalidate()
                raise
        except BaseException:
            # Cancelled, perhaps mid-statement: no ROLLBACK can be sent safely, and the pool's
            # reset would not send one (to SQLAlchemy an autocommit connection has no
            # transaction), so the connection is closed, and the server rolls back.
            await connection.invalidate()
            raise
        finally:
            if session.in_transaction() or session.sync_session.identity_map:
                await session.close()  # else it holds nothing to let go of
    if failure is not None:
        raise failure


def _innermost(session: AsyncSession) -> SessionTransaction | None:
    """The session's savepoint if one is open, else its transaction: a savepoint is emitted
    when the session is first asked for its connection under it, so each gets its own entry."""
    sync = session.sync_session
    return sync.get_nested_transaction() or sync.get_transaction()


def _translated(
    connection: AsyncConnection, sql: str, arguments: Sequence[Any], error: Exception
) -> Exception:
    """A driver error as SQLAlchemy would have raised it (a constraint 409, a lost
    connection 503: the app's handlers sort `DBAPIError`s by SQLSTATE)."""
    adapted = (
        connection.sync_connection.connection.dbapi_connection
        if connection.sync_connection
        else None
    )
    handle = getattr(adapted, "_handle_exception", None)
    if handle is None:
        return error
    try:
        handle(error)
    except Exception as dbapi_error:  # the adapter raises the translated error
        dialect = connection.dialect
        return sa_exc.DBAPIError.instance(
            sql, arguments, dbapi_error, dialect.loaded_dbapi.Error, dialect=dialect
        )
    return error


def has_pending_changes(session: AsyncSession) -> bool:
    """Whether the ORM has anything to flush. An object set again to the values it had is
    in `dirty` but flushes nothing (an account's Stripe Customer remembered again), hence
    `is_modified`."""
    return bool(session.new or session.deleted) or any(
        session.is_modified(instance) for instance in session.dirty
    )


def _flush_due(session: AsyncSession) -> bool:
    """Whether the ORM may have changes to flush, asked cheaply: `dirty` and `deleted` walk
    the identity map, so they are asked only when it holds objects."""
    sync = session.sync_session
    return bool(sync.new) or (bool(sync.identity_map) and bool(sync.dirty or sync.deleted))


async def run(
    session: AsyncSession, statement: Executable, values: Mapping[str, Any]
) -> Sequence[Row]:
    """Run a prebuilt statement in the session's transaction; its rows (none for a DML
    statement without RETURNING). Pending ORM changes are flushed first, as SQLAlchemy's
    autoflush would. See the module's notes."""
    if _flush_due(session):
        await session.flush()
    connection, driver = await _driver_in_transaction(session)
    if driver is None:
        result = await session.execute(statement, dict(values))
        return list(result.mappings()) if getattr(result, "returns_rows", True) else []
    compiled = _compiled(statement, connection.dialect)
    arguments = compiled.arguments(values)
    _observe(compiled.sql, arguments)
    try:
        rows: Sequence[Row] = await driver.fetch(compiled.sql, *arguments)
    except Exception as error:
        raise _translated(connection, compiled.sql, arguments, error) from error
    return rows


@asynccontextmanager
async def local_setting(executor: Executor, sql: str) -> AsyncIterator[None]:
    """Run `sql` (a `SET LOCAL`) so that it holds for the block and nothing after it: in the
    executor's transaction, or on a reader in a transaction of the driver's own that ends
    with the block whatever happens (safe behind PgBouncer's transaction pooling too)."""
    driver = await _driver_of(executor)
    if driver is None:
        await executor.execute(text(sql))
        yield
        return
    async with driver.transaction():
        _observe(sql, ())
        await driver.execute(sql)
        yield


@contextmanager
def recorded_statements() -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
    """Every SQL statement the store runs inside the block, with its parameters."""
    seen: list[tuple[str, tuple[Any, ...]]] = []

    def observe(sql: str, parameters: Sequence[Any]) -> None:
        seen.append((sql, tuple(parameters)))

    def on_execute(_c: Any, _cur: Any, sql: str, parameters: Any, *_: Any) -> None:
        observe(sql, parameters or ())

    engine = db_helper.engine.sync_engine
    event.listen(engine, "before_cursor_execute", on_execute)
    _observers.append(observe)
    try:
        yield seen
    finally:
        _observers.remove(observe)
        event.remove(engine, "before_cursor_execute", on_execute)
