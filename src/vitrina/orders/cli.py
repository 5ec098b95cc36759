"""Console commands of this feature; `vitrina.cli` adds them to the `vitrina` command."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from vitrina.config import get_settings
from vitrina.db import DataBaseHelper, db_helper
from vitrina.orders.notifications import wait_for_outgoing_mail
from vitrina.payments.reconcile import Difference, reconcile

commands = typer.Typer()
console = Console()


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not an ISO 8601 date or time") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _configure() -> None:
    settings = get_settings()
    db_helper.configure(settings.database_url, pool_size=2)


async def _reconcile(since: datetime | None, until: datetime | None) -> list[Difference]:
    database = DataBaseHelper(get_settings().database_url, pool_size=1)
    try:
        async with database.session_factory() as session:
            return await reconcile(session, since=since, until=until)
    finally:
        await database.dispose()


def differences_table(differences: list[Difference]) -> Table:
    table = Table(title=f"{len(differences)} difference(s) between the store and Stripe")
    for column in ("Kind", "Stripe", "Order", "Store says", "Stripe says"):
        table.add_column(column)
    for d in differences:
        order = str(d.order_id) if d.order_id is not None else "-"
        table.add_row(d.kind.value, d.stripe_id, order, d.store, d.stripe)
    return table


@commands.command("reconcile")
def reconcile_command(
    since: Annotated[
        str | None, typer.Option(help="From this ISO 8601 time (UTC if naive).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Up to this ISO 8601 time.")] = None,
) -> None:
    """Compare orders with Stripe's sessions and payments; exit 1 when they differ."""
    differences = asyncio.run(_reconcile(_moment(since), _moment(until)))
    if not differences:
        console.print("[green]The store and Stripe agree.[/green]")
        return
    console.print(differences_table(differences))
    raise typer.Exit(1)


async def _retry(older_than: timedelta, every: float | None) -> dict[str, int]:
    from vitrina.payments.webhooks import retry_unhandled

    _configure()
    try:
        while True:
            counts = await retry_unhandled(db_helper.session_factory, older_than=older_than)
            await wait_for_outgoing_mail()
            summary = {outcome.value: n for outcome, n in counts.items()}
            if every is None:
                return summary
            if any(summary.values()):
                console.print(summary)
            await asyncio.sleep(every)
    finally:
        await db_helper.dispose()


@commands.command("retry-webhooks")
def retry_webhooks(
    older_than: Annotated[
        int, typer.Option(help="Only events received this many seconds ago.")
    ] = 60,
    every: Annotated[
        float | None, typer.Option(help="Keep running, checking every this many seconds.")
    ] = None,
) -> None:
    """Handle Stripe events that were recorded but never handled (exit 1 if any still fail)."""
    counts = asyncio.run(_retry(timedelta(seconds=older_than), every))
    console.print(counts)
    if counts.get("failed"):
        raise typer.Exit(1)
