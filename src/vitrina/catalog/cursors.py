"""Opaque keyset cursors: the sort and the key of the last row shown, base64 JSON.

A cursor that was not made for the list at hand (another sort, tampered values) is a 422,
never a 500: every value is type- and range-checked before it reaches SQL.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

from vitrina.catalog.schemas import ProductSort
from vitrina.catalog.words import has_words
from vitrina.errors import Unprocessable
from vitrina.kit.bounds import MAX_INT


def encode_cursor(sort: ProductSort, values: list[Any]) -> str:
    encoded = [_iso(v) if isinstance(v, datetime) else v for v in values]
    raw = json.dumps({"s": sort.value, "v": encoded}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def with_query(cursor: str, query: str) -> str:
    """`cursor` carrying the corrected query its pages list ("Did you mean", applied)."""
    data = _payload(cursor)
    data["q"] = query
    raw = json.dumps(data, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def query_of(cursor: str) -> str | None:
    """The corrected query a cursor carries, if any (a cursor we did not make: None)."""
    try:
        found = _payload(cursor).get("q")
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(found, str) or not has_words(found):
        return None
    return found[:200].replace("\x00", " ")


def _payload(cursor: str) -> dict[str, Any]:
    data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    if not isinstance(data, dict):
        raise ValueError("not a cursor")
    return data


def _iso(moment: datetime) -> str:
    """SQLite hands times back naive; they are UTC like every time the store writes."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def decode_cursor(cursor: str, sort: ProductSort) -> list[Any]:
    """The key values a cursor carries; 422 for a cursor that is not one of ours."""
    try:
        data = _payload(cursor)
        values = data["v"]
        size = 4 if sort is ProductSort.RELEVANCE else 2
        if data["s"] != sort.value or not isinstance(values, list) or len(values) != size:
            raise ValueError("cursor for another sort")
        if sort is ProductSort.NEWEST:
            values[0] = datetime.fromisoformat(values[0])
        _check_types(sort, values)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise Unprocessable(
            "The cursor is not valid for this list; start again without it."
        ) from exc
    return values


def _check_types(sort: ProductSort, values: list[Any]) -> None:
    key_types: dict[ProductSort, tuple[type, ...]] = {
        ProductSort.NEWEST: (datetime,),
        ProductSort.NAME: (str,),
        ProductSort.RELEVANCE: (int, float),
    }
    first: Any = values[0]
    tail_phase = sort is ProductSort.RELEVANCE and first is None
    if not tail_phase and (
        not isinstance(first, key_types.get(sort, (int,))) or isinstance(first, bool)
    ):
        raise ValueError("bad cursor key")
    if any(not isinstance(v, int) or isinstance(v, bool) for v in values[1:]):
        raise ValueError("bad cursor id")
    if any(isinstance(v, int) and not -MAX_INT <= v <= MAX_INT for v in values):
        raise ValueError("number out of range")
    if isinstance(first, str) and "\x00" in first:
        raise ValueError("NUL in text")
    if isinstance(first, datetime) and first.tzinfo is None:
        raise ValueError("naive time")
