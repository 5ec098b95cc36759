"""URL slugs: made from names, unique per table, editable by staff.

A slug is lower-case words joined by hyphens. Letters of any script are kept (a Russian
product name keeps its Cyrillic slug; browsers percent-encode it). A slug is never all digits,
so `/products/{id_or_slug}` can tell an id from a slug.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.errors import Unprocessable
from vitrina.kit.bounds import MAX_INT

MAX_SLUG = 200

_NON_WORD = re.compile(r"[^\w]+|_+")
_VALID = re.compile(r"^[^\W_]+(?:-[^\W_]+)*$")


def slugify(text: str, *, fallback: str) -> str:
    """'Red Mug, 350 ml!' -> 'red-mug-350-ml'. Empty results become `fallback`."""
    normalized = unicodedata.normalize("NFKC", text).lower()
    slug = _NON_WORD.sub("-", normalized).strip("-")[:MAX_SLUG].rstrip("-")
    if not slug:
        return fallback
    if slug.isdigit():
        return f"{fallback}-{slug}"
    return slug


def check_slug(slug: str) -> str:
    """A slug given by staff: must already be in slug form."""
    if not _VALID.match(slug) or slug.isdigit() or len(slug) > MAX_SLUG:
        raise Unprocessable(
            f"Slug {slug!r} is not valid: use lower-case letters and digits joined by single "
            "hyphens, not only digits, at most 200 characters."
        )
    if slug != slug.lower():
        raise Unprocessable(f"Slug {slug!r} must be lower-case.")
    return slug


def as_id(value: int | str) -> int | None:
    """The id `value` names (ASCII digits), else None: then it is a slug. 0 if out of range."""
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit()):
            return None
        value = int(value)
    return value if 0 < value <= MAX_INT else 0


def escape_like(value: str) -> str:
    """`value` matched literally by LIKE ... ESCAPE '\\'."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def unique_slug(
    session: AsyncSession,
    columns: Sequence[ColumnElement[Any]],
    base: str,
    *,
    exclude_id: int | None,
) -> str:
    """`base`, or `base-2`, `base-3`, ... whichever is the first not taken in any of
    `columns` (a table's slug columns, every language's)."""
    taken: set[str] = set()
    for column in columns:
        query = select(column).where(
            (column == base) | column.like(f"{escape_like(base)}-%", escape="\\")
        )
        if exclude_id is not None:
            query = query.where(column.table.c.id != exclude_id)
        taken.update(value for value in (await session.scalars(query)).all() if value)
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"
