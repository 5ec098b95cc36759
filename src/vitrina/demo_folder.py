"""The demo's own folder: its secrets, made once at random, and the built-in Stripe's state.

`vitrina demo` (or DEMO=true) keeps what must survive a restart in `.vitrina-demo/` beside
the SQLite file (in the working directory when the database is not a SQLite file): the JWT
secret and the webhook secret, so that sessions and tokens stay valid across a restart, and
the built-in Stripe emulator's state. Nothing secret is a constant in the source: every demo
folder has its own secrets. Delete the folder together with the database to start afresh.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import tempfile
from functools import cache
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

FOLDER_NAME = ".vitrina-demo"
SECRETS_FILE = "secrets.json"
EMULATOR_STATE_FILE = "stripe-emulator.json"


class DemoFolderError(RuntimeError):
    """The demo folder cannot be used; the message says what to do."""


def demo_folder(database_url: str) -> Path:
    """`.vitrina-demo/` beside the SQLite file, else in the working directory."""
    try:
        url = make_url(database_url)
    except (ArgumentError, ValueError):
        return Path.cwd() / FOLDER_NAME
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / FOLDER_NAME
    return Path.cwd() / FOLDER_NAME


def _new_secrets() -> dict[str, str]:
    return {
        "jwt_secret": secrets.token_urlsafe(48),
        "webhook_secret": "whsec_" + secrets.token_urlsafe(32),
    }


@cache
def demo_secrets(folder: Path) -> dict[str, str]:
    """The folder's secrets, made on first use. Two processes starting at once agree: the
    file is written whole under a temporary name and linked into place only if absent."""
    path = folder / SECRETS_FILE
    if not path.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".secrets-")
        try:
            with os.fdopen(descriptor, "w") as file:
                json.dump(_new_secrets(), file)
            with contextlib.suppress(FileExistsError):  # another process made them first
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    try:
        stored = json.loads(path.read_text())
        return {name: str(stored[name]) for name in ("jwt_secret", "webhook_secret")}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DemoFolderError(
            f"the demo secrets in {path} cannot be read ({exc}); delete that file to make new "
            "ones (demo sign-ins end)"
        ) from exc
