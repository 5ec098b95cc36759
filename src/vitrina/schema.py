"""Migrations from code: upgrade to head, and tell whether a database is up to date.

Both refuse a DATABASE_URL they cannot use with `DatabaseUnusable` (a `ConfigError`): one
sentence with the fix, which the commands print as their one "Cannot start" line.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from vitrina.config import ConfigError, database_url_problem
from vitrina.db import DatabaseUnusable, make_engine, start_errors_explained

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


def usable_url(database_url: str) -> str:
    """The URL, if it could name a database Vitrina runs on; else DatabaseUnusable."""
    problem = database_url_problem(database_url)
    if problem:
        raise DatabaseUnusable(problem)
    return database_url


def upgrade(database_url: str, revision: str = "head") -> None:
    with start_errors_explained(database_url):
        command.upgrade(alembic_config(usable_url(database_url)), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


async def current_revision(database_url: str) -> str | None:
    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    engine = make_engine(usable_url(database_url))
    try:
        with start_errors_explained(database_url):
            async with engine.connect() as conn:
                return await conn.run_sync(read)
    finally:
        await engine.dispose()


class SchemaOutOfDate(ConfigError):
    pass


async def ensure_up_to_date(database_url: str) -> None:
    """Refuse to serve a database the code does not match; say how to fix it."""
    current, head = await current_revision(database_url), head_revision()
    if current != head:
        state = "not migrated" if current is None else f"at revision {current}"
        raise SchemaOutOfDate(
            f"The database is {state}; this version of Vitrina needs revision {head}. "
            "Run `vitrina migrate` (or `alembic upgrade head`) and start again."
        )
