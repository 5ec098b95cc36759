"""The `vitrina` console command. Each feature contributes its commands from its `cli.py`."""

from __future__ import annotations

import asyncio
import os
import tempfile
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from vitrina import schema
from vitrina.accounts.cli import commands as accounts_commands
from vitrina.basket.cli import commands as basket_commands
from vitrina.catalog.cli import commands as catalog_commands
from vitrina.config import Settings, get_settings
from vitrina.orders.cli import commands as orders_commands
from vitrina.payments.cli import commands as payments_commands
from vitrina.startup import checked_settings, refusing

app = typer.Typer(
    help="Vitrina: an online store a small team can own and run.", no_args_is_help=True
)
console = Console(stderr=True)

for feature in (
    accounts_commands,
    catalog_commands,
    basket_commands,
    payments_commands,
    orders_commands,
):
    app.registered_commands.extend(feature.registered_commands)


@app.command()
def migrate(revision: str = "head") -> None:
    """Bring the database schema up to date (or to REVISION)."""
    with refusing():
        settings = get_settings()
        schema.upgrade(settings.database_url, revision)
    console.print(f"[green]Database migrated to {revision}.[/green]")


def _check_ready(settings: Settings) -> None:
    with refusing():
        asyncio.run(schema.ensure_up_to_date(settings.database_url))


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(help="Server processes.")] = 1,
    reload: bool = False,
) -> None:
    """Serve the store (API, storefront, admin). The database must be migrated, and Stripe
    configured (STRIPE_API_KEY, STRIPE_WEBHOOK_SECRET) unless DEMO=true."""
    settings = checked_settings()
    _check_ready(settings)
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each process counts for itself; /metrics sums the files they share here.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="vitrina-metrics-")
    uvicorn.run(
        "vitrina.main:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
        log_level="warning",
        access_log=False,
    )


@app.command()
def demo(
    host: str = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT")] = 8000,
    products: Annotated[int, typer.Option(help="Demo products to create.")] = 300,
) -> None:
    """One command to try the store: SQLite, demo data, the built-in Stripe emulator.

    Demo mode: no real payments (anyone may pay with the test card); secrets and the
    emulator's state are kept in `.vitrina-demo/` beside the database, so a restart in the
    same folder keeps sign-ins, payments and orders."""
    os.environ["DEMO"] = "true"
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://{host}:{port}")
    settings = checked_settings()
    from vitrina.demo import prepare_demo

    with refusing():
        schema.upgrade(settings.database_url)
        asyncio.run(prepare_demo(settings, products=products))
    console.print(f"[bold green]Vitrina is running at {settings.public_base_url}/[/bold green]")
    console.print(
        f"API docs: {settings.public_base_url}/docs   Admin: {settings.public_base_url}/admin"
    )
    uvicorn.run("vitrina.main:app", host=host, port=port, log_level="warning", access_log=False)


@app.command("stripe-emulator")
def stripe_emulator(
    host: str = "127.0.0.1",
    port: int = 12111,
    webhook_url: Annotated[str | None, typer.Option(help="Where to deliver events.")] = None,
    webhook_secret: Annotated[str | None, typer.Option(help="whsec_... to sign them.")] = None,
) -> None:
    """Run the local Stripe emulator on its own (API at /v1, controls at /_emulator)."""
    from vitrina.stripe_emulator.cli import run_emulator

    run_emulator(host, port, webhook_url, webhook_secret)
