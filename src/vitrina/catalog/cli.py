"""Console commands of this feature; `vitrina.cli` adds them to the `vitrina` command."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.csv_export import export_csv
from vitrina.catalog.csv_formats import import_products
from vitrina.catalog.demo import generate_demo_catalog
from vitrina.config import get_settings
from vitrina.db import DataBaseHelper

commands = typer.Typer()
console = Console(stderr=True)


@asynccontextmanager
async def _database() -> AsyncIterator[DataBaseHelper]:
    helper = DataBaseHelper(get_settings().database_url)
    try:
        yield helper
    finally:
        await helper.dispose()


def _bar(label: str) -> tuple[Progress, Callable[[int, int], None]]:
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    task = progress.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    return progress, update


@commands.command("import-products")
def import_products_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Upsert products from a CSV file (by SKU, else slug); all rows or none."""

    async def run() -> int:
        progress, update = _bar("Importing")
        started = time.perf_counter()
        async with _database() as db:
            session: AsyncSession
            async with db.session_factory() as session:
                with file.open(encoding="utf-8-sig", newline="") as lines, progress:
                    report = await import_products(session, lines, progress=update)
                if report.errors:
                    await session.rollback()
                    for error in report.errors:
                        console.print(f"[red]line {error.line}:[/red] {'; '.join(error.errors)}")
                    console.print(f"[red]{len(report.errors)} bad rows; nothing imported.[/red]")
                    return 1
                await session.commit()
        console.print(
            f"[green]{report.rows} rows: {report.created} created, {report.updated} updated "
            f"in {time.perf_counter() - started:.1f} s.[/green]"
        )
        return 0

    raise typer.Exit(asyncio.run(run()))


@commands.command("export-products")
def export_products_command(
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
) -> None:
    """Write every product as CSV (the columns import-products reads)."""

    async def run() -> None:
        async with _database() as db:
            target = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
            try:
                async for chunk in export_csv(db.session_factory):
                    target.write(chunk)
            finally:
                if output:
                    target.close()

    asyncio.run(run())


@commands.command("demo-data")
def demo_data_command(
    products: Annotated[int, typer.Option(help="How many demo products.")] = 300,
    images: Annotated[bool, typer.Option(help="Draw placeholder images (up to 5,000).")] = True,
) -> None:
    """Fill an empty catalog with demo categories and products (nothing if products exist)."""

    async def run() -> None:
        progress, update = _bar("Generating")
        started = time.perf_counter()
        async with _database() as db, db.session_factory() as session:
            with progress:
                made = await generate_demo_catalog(
                    session, products=products, with_images=images, progress=update
                )
            await session.commit()
        if made == 0:
            console.print("The catalog already has products; nothing generated.")
            return
        elapsed = time.perf_counter() - started
        console.print(f"[green]{made} demo products generated in {elapsed:.1f} s.[/green]")

    asyncio.run(run())
