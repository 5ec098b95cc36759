"""Console commands of the basket feature; `vitrina.cli` adds them to the `vitrina` command."""

from __future__ import annotations

import asyncio

import typer

from vitrina.basket.reservations import purge_expired_reservations
from vitrina.config import get_settings
from vitrina.db import DataBaseHelper

commands = typer.Typer()


async def _purge() -> int:
    database = DataBaseHelper(get_settings().database_url, pool_size=1)
    try:
        async with database.session_factory() as session:
            deleted = await purge_expired_reservations(session)
            await session.commit()
            return deleted
    finally:
        await database.dispose()


@commands.command("purge-reservations")
def purge_reservations() -> None:
    """Delete stock reservations whose time is up (they already stopped counting)."""
    typer.echo(f"Deleted {asyncio.run(_purge())} expired stock reservation(s).")
