"""Console commands of this feature; `vitrina.cli` adds them to the `vitrina` command."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from email_validator import EmailNotValidError, validate_email
from rich.console import Console

from vitrina import schema
from vitrina.accounts import service
from vitrina.accounts.passwords import password_weakness
from vitrina.config import ConfigError, get_settings
from vitrina.db import DataBaseHelper
from vitrina.errors import VitrinaError

commands = typer.Typer()
console = Console(stderr=True)


async def _ensure_staff(email: str, password: str, full_name: str, admin: bool) -> tuple[str, bool]:
    """Runs on its own engine: the CLI has its own event loop and commits once."""
    settings = get_settings()
    await schema.ensure_up_to_date(settings.database_url)
    database = DataBaseHelper(settings.database_url)
    try:
        async with database.session_factory() as session:
            user, created = await service.ensure_staff(
                session, email=email, password=password, full_name=full_name, admin=admin
            )
            await session.commit()
            return user.role.value, created
    finally:
        await database.dispose()


@commands.command("create-staff")
def create_staff(
    email: Annotated[str, typer.Option(prompt=True, help="The staff member's email.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="Their password (prompted, hidden, when omitted).",
        ),
    ],
    admin: Annotated[bool, typer.Option("--admin", help="Make them an administrator.")] = False,
    full_name: Annotated[str, typer.Option("--full-name", help="Display name.")] = "",
) -> None:
    """Create a staff (or --admin) account, or promote an existing user and set its password."""
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        console.print(f"[red]Invalid email:[/red] {exc}")
        raise typer.Exit(2) from exc
    if (problem := password_weakness(password, email)) is not None:
        console.print(f"[red]Weak password:[/red] {problem}")
        raise typer.Exit(2)
    try:
        role, created = asyncio.run(_ensure_staff(email, password, full_name, admin))
    except (ConfigError, schema.SchemaOutOfDate, VitrinaError) as exc:
        console.print(f"[red]Cannot create the account:[/red] {exc}")
        raise typer.Exit(1) from exc
    if created:
        console.print(f"[green]Created {role} account {email}.[/green]")
    else:
        console.print(f"[green]{email} is now {role}; its password was replaced.[/green]")
