"""Bounds that keep request numbers inside what the database columns can hold.

A path id or offset beyond PostgreSQL's 32-bit `integer` would fail in the driver; bounding it
at the edge turns it into an ordinary 422 validation error (or a 404 for an id).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_INT = 2**31 - 1

PathId = Annotated[int, Path(ge=1, le=MAX_INT)]
OptionalIdQuery = Annotated[int | None, Query(ge=1, le=MAX_INT)]
OffsetQuery = Annotated[int, Query(ge=0, le=MAX_INT)]
