"""The database: declarative base, the seed's `DataBaseHelper`, and the request session.

One `AsyncSession` per HTTP request, committed once after the endpoint returns and before the
response is sent (FastAPI's `Depends(..., scope="function")` runs a dependency's exit code at
that point). Services only `flush`; any exception rolls the whole request back.

Public reads that need no transaction take `ReaderDep`: a connection from the same pool in
autocommit mode (no BEGIN, COMMIT or reset round trips) for Core statements (the catalog's
list and product page, the busiest requests); `session_over` gives it a session that refuses
to flush a change, for the occasional entity. `Executor` is either that connection or a
request's session. On PostgreSQL a few readers wait between reads instead of going back to
the pool at once (`idle_readers.py`): opening and closing one cost more than a page's SQL.

On SQLite a transaction takes the database's one write lock (`BEGIN IMMEDIATE`) at its first
write or `FOR UPDATE`, where PostgreSQL takes row locks: `kit/sqlite_writes.py`.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import JSON, DateTime, Dialect, MetaData, TypeDecorator
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from vitrina.config import ConfigError
from vitrina.idle_readers import IdleReaders
from vitrina.kit import sqlite_writes
from vitrina.kit.clock import utcnow
from vitrina.replica import Replica

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


JSONType = JSON().with_variant(JSONB(), "postgresql")


def str_enum(enum_class: type[StrEnum]) -> SAEnum:
    """A portable enum column: VARCHAR holding the members' values."""
    return SAEnum(
        enum_class,
        native_enum=False,
        length=30,
        values_callable=lambda members: [m.value for m in members],
    )


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on every database.

    PostgreSQL keeps the offset (timestamptz); SQLite keeps none, so values are stored as UTC
    and read back as UTC. A naive datetime is refused: it is always a bug.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use vitrina.kit.clock")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


OLTP_SETTINGS = {"jit": "off", "max_parallel_workers_per_gather": "0"}
"""Every request is a few small queries: compiling a query with LLVM (JIT) or starting
parallel workers costs more than the bounded work they would speed up (a text search over a
million products estimates high enough to trigger JIT and tens of milliseconds with it)."""


def make_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = 10,
    max_overflow: int = 0,
    pre_ping: bool = False,
    pool_timeout: float = 5.0,
) -> AsyncEngine:
    """The async engine. No ping before each checkout by default: it cost a round trip on every
    request (~30% of a catalog read's CPU); a connection that died with the server raises a
    disconnect error instead, which invalidates the whole pool (so recovery is immediate) and
    is answered 503. `pool_recycle` retires connections before server-side idle timeouts.
    PostgreSQL sessions get OLTP_SETTINGS. No overflow by default: under steady load an
    overflow connection is opened and closed again and again (a PostgreSQL backend started
    each time, milliseconds of CPU on both sides), so requests wait for a pooled one instead,
    up to `pool_timeout` seconds, after which the request is answered 503 with Retry-After."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo)
        sqlite_writes.serialise_writers(engine.sync_engine)
        return engine
    return create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=pre_ping,
        pool_recycle=1800,
        pool_timeout=pool_timeout,
        connect_args={"timeout": 5, "command_timeout": 30, "server_settings": OLTP_SETTINGS},
    )


class ReadOnlySession(Session):
    """A session for reads only: flushing a change is a bug (it would commit statement by
    statement), so it raises instead."""

    def flush(self, objects: Any = None) -> None:
        if self.new or self.dirty or self.deleted:
            raise RuntimeError("a read-only session cannot write; use SessionDep")
        super().flush(objects)


class DataBaseHelper:
    """Owns the async engine and session factory (the seed's class and spelling)."""

    def __init__(self, url: str | None = None, *, echo: bool = False, pool_size: int = 10):
        self._engine: AsyncEngine | None = None
        self._factory: async_sessionmaker[AsyncSession] | None = None
        self._reader_engine: AsyncEngine | None = None
        self._replica: Replica | None = None
        self._idle_readers: IdleReaders | None = None
        if url is not None:
            self.configure(url, echo=echo, pool_size=pool_size)

    def configure(
        self,
        url: str,
        *,
        echo: bool = False,
        pool_size: int = 10,
        max_overflow: int = 0,
        pre_ping: bool = False,
        pool_timeout: float = 5.0,
    ) -> None:
        self._engine = make_engine(
            url,
            echo=echo,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pre_ping=pre_ping,
            pool_timeout=pool_timeout,
        )
        self._factory = async_sessionmaker(self._engine, expire_on_commit=False)
        self._reader_engine = self._engine.execution_options(isolation_level="AUTOCOMMIT")
        self._replica = None
        self._idle_readers = (
            IdleReaders(self._reader_engine, keep=pool_size // 2, capacity=pool_size + max_overflow)
            if self._engine.dialect.driver == "asyncpg" and pool_size >= 4
            else None
        )

    def configure_replica(
        self,
        url: str,
        *,
        max_lag_seconds: float,
        check_seconds: float = 5.0,
        pool_size: int = 10,
    ) -> Replica:
        """Anonymous catalogue reads (`reading(replica=True)`) go to this streaming replica
        while it answers and lags less than `max_lag_seconds` (vitrina.replica)."""
        engine = make_engine(url, pool_size=pool_size).execution_options(
            isolation_level="AUTOCOMMIT"
        )
        self._replica = Replica(
            engine, max_lag_seconds=max_lag_seconds, check_seconds=check_seconds
        )
        return self._replica

    @property
    def replica(self) -> Replica | None:
        return self._replica

    async def drop_replica(self) -> None:
        """Read from the primary only again (and close the replica's connections)."""
        replica, self._replica = self._replica, None
        if replica is not None:
            await replica.dispose()

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("DataBaseHelper is not configured; create_app() configures it")
        return self._engine

    @property
    def session_factory(self) -> async_sessionmaker[AsyncSession]:
        if self._factory is None:
            raise RuntimeError("DataBaseHelper is not configured; create_app() configures it")
        return self._factory

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def session_geter(self) -> AsyncIterator[AsyncSession]:
        """One session for the current request: commit on success, roll back on error."""
        async with self.session_factory() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    session_getter = session_geter

    def reading(self, *, replica: bool = False) -> AbstractAsyncContextManager[AsyncConnection]:
        """An autocommit connection for Core reads (no session, no transaction), to use as
        `async with db_helper.reading() as reader:`. `replica=True` for public catalogue
        reads that may come from the read replica (DATABASE_REPLICA_URL) when there is one
        and it is good (vitrina.replica); otherwise, and always else, the primary."""
        if self._reader_engine is None:
            raise RuntimeError("DataBaseHelper is not configured; create_app() configures it")
        if replica and self._replica is not None:
            return self._replica.connection(self._reader_engine)
        if self._idle_readers is not None:
            return self._idle_readers.connection()
        return self._reader_engine.connect()

    async def read_connection_geter(self) -> AsyncIterator[AsyncConnection]:
        """`reading()` for the current request, as a dependency (`ReaderDep`)."""
        async with self.reading() as connection:
            yield connection

    async def public_read_connection_geter(self) -> AsyncIterator[AsyncConnection]:
        """`reading(replica=True)` as a dependency (`PublicReaderDep`): anonymous catalogue
        reads, which may come from the read replica."""
        async with self.reading(replica=True) as connection:
            yield connection

    def session_over(self, connection: AsyncConnection) -> AsyncSession:
        """A read-only ORM session on a reader connection, for the occasional entity."""
        return AsyncSession(bind=connection, sync_session_class=ReadOnlySession)

    async def dispose(self) -> None:
        if self._idle_readers is not None:
            await self._idle_readers.close_all()
        if self._engine is not None:
            await self._engine.dispose()
        if self._replica is not None:
            await self._replica.dispose()


db_helper = DataBaseHelper()


SessionDep = Annotated[AsyncSession, Depends(db_helper.session_geter, scope="function")]
ReaderDep = Annotated[AsyncConnection, Depends(db_helper.read_connection_geter, scope="function")]
PublicReaderDep = Annotated[
    AsyncConnection, Depends(db_helper.public_read_connection_geter, scope="function")
]
"""A reader for anonymous catalogue reads: the read replica when there is a good one."""
Executor = AsyncSession | AsyncConnection
"""Runs Core statements: a request's session or a reader connection."""


async def connection_of(executor: Executor) -> AsyncConnection:
    return executor if isinstance(executor, AsyncConnection) else await executor.connection()


class DatabaseUnusable(ConfigError):
    """The database cannot be reached or used at start; the message says how to fix it."""


SQLSTATE_ADVICE = {
    "3D000": "Create it (createdb), or fix the database name in DATABASE_URL",
    "28000": "Create that role (createuser), or fix the user in DATABASE_URL",
    "28P01": "Fix the password in DATABASE_URL",
}
"""PostgreSQL's refusals at connection time: no such database, no such role, bad password."""


@contextmanager
def start_errors_explained(database_url: str) -> Iterator[None]:
    """Turn a failure to reach the database into DatabaseUnusable (see explain_start_error)."""
    try:
        yield
    except ConfigError:
        raise
    except Exception as exc:
        explained = explain_start_error(database_url, exc)
        if explained is None:
            raise
        raise explained from exc


def explain_start_error(database_url: str, error: BaseException) -> DatabaseUnusable | None:
    """A failure to reach the database at start, as one sentence with the fix; None for
    anything that is not about reaching it (a bug should keep its traceback)."""
    url = make_url(database_url)
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    shown = url.render_as_string(hide_password=True)
    cause: BaseException | None = error
    while cause is not None:
        sqlstate = getattr(cause, "sqlstate", None)
        if sqlstate in SQLSTATE_ADVICE:
            return DatabaseUnusable(f"{cause} (at {where}). {SQLSTATE_ADVICE[sqlstate]}.")
        if isinstance(cause, socket.gaierror):
            return DatabaseUnusable(
                f"the database host {url.host!r} in DATABASE_URL is not known. Fix the host."
            )
        if isinstance(cause, ConnectionRefusedError):
            return DatabaseUnusable(
                f"nothing accepts connections at {where} (DATABASE_URL {shown}). Start "
                "PostgreSQL there, or fix the host and port in DATABASE_URL."
            )
        if isinstance(cause, TimeoutError):
            return DatabaseUnusable(
                f"no answer from {where} (DATABASE_URL {shown}). Check the host, the port and "
                "the firewall."
            )
        if url.get_backend_name() == "sqlite" and type(cause).__name__ == "OperationalError":
            return DatabaseUnusable(
                f"cannot open the SQLite database {url.database}: {cause}. Check that the "
                "path in DATABASE_URL is writable."
            )
        cause = cause.__cause__
    if isinstance(error, OSError):
        return DatabaseUnusable(
            f"cannot reach the database at {where}: {error}. Fix DATABASE_URL {shown}."
        )
    return None
