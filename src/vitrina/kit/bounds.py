"""Bounds that keep request values inside what the database columns can hold.

A path id or offset beyond PostgreSQL's 32-bit `integer` would fail in the driver, and so
would text with a NUL in it; bounding them at the edge turns them into an ordinary 422
validation error (or a 404 for an id) in the documented shape.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_INT = 2**31 - 1

PathId = Annotated[int, Path(ge=1, le=MAX_INT)]
OptionalIdQuery = Annotated[int | None, Query(ge=1, le=MAX_INT)]
OffsetQuery = Annotated[int, Query(ge=0, le=MAX_INT)]
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"
