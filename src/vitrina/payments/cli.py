"""Console commands of this feature; `vitrina.cli` adds them to the `vitrina` command."""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import stripe
import typer
from rich.console import Console
from rich.table import Table

from vitrina import schema
from vitrina.db import db_helper
from vitrina.observability.logging import configure_logging
from vitrina.payments.client import make_stripe_client
from vitrina.payments.sync.drift import Drift, find_drift, load_stripe, repair
from vitrina.payments.sync.stripe_io import describe
from vitrina.payments.sync.worker import WorkerConfig, run_worker, sync_due_once
from vitrina.payments.webhooks import run_webhook_retrier
from vitrina.startup import checked_settings, refusing

commands = typer.Typer()
console = Console()


def _prepare() -> None:
    settings = checked_settings(serves_web=False)
    configure_logging(settings.log_level_number, settings.log_format)
    with refusing():
        asyncio.run(schema.ensure_up_to_date(settings.database_url))
    db_helper.configure(settings.database_url, pool_size=settings.database_pool_size)


async def _drain(config: WorkerConfig) -> int:
    """Deliver everything due now, then stop (rows backing off are left for later)."""
    total = 0
    try:
        while tried := await sync_due_once(config.batch, config=config):
            total += tried
    finally:
        await db_helper.dispose()
    return total


async def _serve(concurrency: int, poll_interval: float, config: WorkerConfig) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await asyncio.gather(
            run_worker(stop, poll_interval=poll_interval, concurrency=concurrency, config=config),
            run_webhook_retrier(stop),
        )
    finally:
        await db_helper.dispose()


@commands.command("worker")
def worker(
    concurrency: Annotated[int, typer.Option(min=1, help="Delivery loops in this process.")] = 2,
    once: Annotated[bool, typer.Option("--once", help="Deliver what is due, then exit.")] = False,
    poll_interval: Annotated[float, typer.Option(help="Seconds between polls when idle.")] = 1.0,
    lease_seconds: Annotated[
        float, typer.Option(help="How long a claimed row stays this worker's.")
    ] = 120.0,
    batch: Annotated[int, typer.Option(min=1, help="Rows claimed at a time.")] = 20,
) -> None:
    """Deliver product and coupon changes to Stripe, and retry Stripe events left unhandled
    (run as many as you like, anywhere)."""
    _prepare()
    config = WorkerConfig(lease_seconds=lease_seconds, batch=batch)
    if once:
        total = asyncio.run(_drain(config))
        console.print(f"Delivered {total} change(s) to Stripe.")
        return
    asyncio.run(_serve(concurrency, poll_interval, config))


def _table(drift: list[Drift]) -> Table:
    table = Table(title="Drift between the store and Stripe")
    for column in ("kind", "local id", "Stripe id", "problem", "store", "Stripe"):
        table.add_column(column)
    for item in drift:
        table.add_row(
            item.kind,
            str(item.local_id or "-"),
            item.stripe_id,
            item.problem,
            item.store,
            item.stripe,
        )
    return table


async def _check(fix: bool) -> list[Drift]:
    client = make_stripe_client()
    try:
        async with db_helper.session_factory() as session:
            drift = await find_drift(session, await load_stripe(client))
            if fix and drift:
                await repair(session, client, drift)
                await session.commit()
        if fix and drift:
            while await sync_due_once(50):
                pass
    finally:
        await db_helper.dispose()
    return drift


@commands.command("stripe-sync")
def stripe_sync(
    check: Annotated[bool, typer.Option("--check", help="Report drift (default).")] = True,
    fix: Annotated[
        bool, typer.Option("--fix", help="Repair: re-sync drifted rows, retire orphans.")
    ] = False,
) -> None:
    """Compare the store's products and coupons with Stripe; exit 1 when they drift."""
    _prepare()
    try:
        drift = asyncio.run(_check(fix))
    except stripe.StripeError as exc:
        console.print(f"[red]Stripe did not answer as expected:[/red] {describe(exc)}")
        raise typer.Exit(2) from exc
    if not drift:
        console.print("[green]Stripe matches the store.[/green]")
        return
    console.print(_table(drift))
    if fix:
        console.print(f"[green]Repaired {len(drift)} difference(s).[/green]")
        return
    console.print("Run [bold]vitrina stripe-sync --fix[/bold] to repair.")
    raise typer.Exit(1)
