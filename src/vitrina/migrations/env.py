"""Alembic environment: async engine, the URL from Vitrina's settings (or the caller)."""

from __future__ import annotations

import asyncio
import warnings
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from vitrina.catalog.database_only import include_object
from vitrina.config import get_settings
from vitrina.db import make_engine
from vitrina.models import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    return config.attributes.get("database_url") or get_settings().database_url


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=False,
        include_object=include_object,
    )


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    """On SQLite, batch mode rebuilds a table from its reflection, which also reflects the
    tables its foreign keys point at; SQLAlchemy cannot reflect expression indexes (such as
    lower(number) on coupons) and warns about them. Those targets are not rebuilt, so the
    warning is noise; a batch that rebuilds a table with such an index must recreate it."""
    _configure(connection)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        with context.begin_transaction():
            context.run_migrations()


async def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_sync(connection)
        return
    engine = make_engine(_url())
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_run_sync)
    finally:  # a migration that refuses (an exception) must not leave a connection behind
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
