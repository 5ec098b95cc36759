"""Console commands of the basket feature; `vitrina.cli` adds them to the `vitrina` command."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated

import typer

from vitrina.basket.guest import GUEST_BASKET_DAYS
from vitrina.basket.reservations import purge_expired_reservations
from vitrina.basket.service import purge_guest_baskets
from vitrina.config import get_settings
from vitrina.db import DataBaseHelper

commands = typer.Typer()


async def _purge(guest_basket_days: int) -> tuple[int, int]:
    database = DataBaseHelper(get_settings().database_url, pool_size=1)
    try:
        async with database.session_factory() as session:
            deleted = await purge_expired_reservations(session)
            guests = await purge_guest_baskets(session, timedelta(days=guest_basket_days))
            await session.commit()
            return deleted, guests
    finally:
        await database.dispose()


@commands.command("purge-reservations")
def purge_reservations(
    guest_basket_days: Annotated[
        int, typer.Option(min=1, help="Delete guests' baskets untouched for this many days.")
    ] = GUEST_BASKET_DAYS,
) -> None:
    """Delete stock reservations whose time is up (they already stopped counting), and
    guests' baskets nobody has changed for a while (their cookies have expired)."""
    deleted, guests = asyncio.run(_purge(guest_basket_days))
    typer.echo(f"Deleted {deleted} expired stock reservation(s).")
    typer.echo(f"Deleted {guests} guest basket(s) untouched for {guest_basket_days} day(s).")
