"""How every entry point refuses to start: one line on stderr, "Cannot start: <what to fix>",
and exit status 2, never a traceback (the operator reads the line, not the stack)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from pydantic import ValidationError

from vitrina.config import ConfigError, Settings, get_settings

EXIT_CANNOT_START = 2


def refuse(reason: str) -> NoReturn:
    """Print the one line and exit (SystemExit passes through typer and uvicorn alike)."""
    print(f"Cannot start: {' '.join(reason.split())}", file=sys.stderr, flush=True)
    raise SystemExit(EXIT_CANNOT_START)


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]).upper()
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{field}: {message}" if field and field not in message else message


@contextmanager
def refusing() -> Iterator[None]:
    """Run start-up steps; a ConfigError (or invalid settings) ends the process with its line."""
    try:
        yield
    except ConfigError as exc:
        refuse(str(exc))
    except ValidationError as exc:
        refuse(_first_error(exc))


def checked_settings(*, serves_web: bool = True) -> Settings:
    """The settings in force, checked (`Settings.check`), or the process ends with its line."""
    with refusing():
        settings = get_settings()
        settings.check(serves_web=serves_web)
    return settings
