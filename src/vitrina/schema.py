"""Migrations from code: upgrade to head, and tell whether a database is up to date."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from vitrina.db import make_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


async def current_revision(database_url: str) -> str | None:
    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(read)
    finally:
        await engine.dispose()


class SchemaOutOfDate(RuntimeError):
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
