"""Static files under names that carry their content's hash, cached by browsers for a year.

At start every file in `static/` is hashed once; pages link `static("vitrina.css")`, which is
`/static/vitrina.<hash>.css`. That name can never show other content, so it is sent with
`Cache-Control: public, max-age=31536000, immutable`. A plain name (`/static/vitrina.css`) or
a stale hash from an older deploy still gets the current file, with `no-cache`: the browser
revalidates it (ETag) instead of keeping the wrong version for a year.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
HASH_LENGTH = 12
_FINGERPRINTED = re.compile(
    rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})(?P<suffix>\.[^./]+)$"
)


class Fingerprints:
    """Each static file's content hash, read once."""

    def __init__(self, directory: Path) -> None:
        self.hashes: dict[str, str] = {}
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]
                self.hashes[path.relative_to(directory).as_posix()] = digest

    def url(self, name: str) -> str:
        """`/static/<name with its hash before the extension>`; unknown names as they are."""
        digest = self.hashes.get(name)
        if digest is None:
            return f"/static/{name}"
        stem, dot, suffix = name.rpartition(".")
        return f"/static/{stem}.{digest}.{suffix}" if dot else f"/static/{name}.{digest}"

    def resolve(self, path: str) -> tuple[str, bool]:
        """(the file to serve, whether the request named its current content)."""
        found = _FINGERPRINTED.match(path)
        if found is None:
            return path, False
        name = found["stem"] + found["suffix"]
        if name not in self.hashes:
            return path, False
        return name, self.hashes[name] == found["hash"]


@cache
def fingerprints() -> Fingerprints:
    return Fingerprints(STATIC_DIR)


def static_url(name: str) -> str:
    """A static file's fingerprinted address (templates call it as `static(...)`)."""
    return fingerprints().url(name)


class FingerprintedStaticFiles(StaticFiles):
    """StaticFiles that understands fingerprinted names and says how long to keep them."""

    def __init__(self, directory: Path = STATIC_DIR) -> None:
        super().__init__(directory=directory)
        self.fingerprints = fingerprints() if directory == STATIC_DIR else Fingerprints(directory)

    async def get_response(self, path: str, scope: Scope) -> Response:
        name, current = self.fingerprints.resolve(path)
        response = await super().get_response(name, scope)
        response.headers["cache-control"] = IMMUTABLE if current else REVALIDATE
        return response
