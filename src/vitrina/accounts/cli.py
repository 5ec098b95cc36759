"""Console commands of this feature; `vitrina.cli` adds them to the `vitrina` command."""

import typer

commands = typer.Typer()
