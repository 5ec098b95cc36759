"""Stripe list objects: newest first, `limit`, `starting_after`, `ending_before`, `created`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from vitrina.stripe_emulator.errors import invalid, param_error
from vitrina.stripe_emulator.store import StripeObject


def list_object(data: list[StripeObject], url: str, *, has_more: bool = False) -> StripeObject:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def matches_created(created: int, condition: Any) -> bool:
    """`created=123` or `created[gte]=...&created[lt]=...`."""
    if condition is None:
        return True
    if isinstance(condition, int):
        return created == condition
    checks: dict[str, Callable[[int, int], bool]] = {
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }
    return all(checks[op](created, bound) for op, bound in condition.items() if op in checks)


def paginate(
    items: Iterable[StripeObject],
    params: dict[str, Any],
    url: str,
    *,
    kind: str,
) -> StripeObject:
    """Apply `created`, cursors and `limit` to objects already filtered, newest first.

    The page holds the live objects: the dispatcher serialises (or `expand` copies) them
    before anything else can run."""
    rows = [o for o in items if matches_created(o.get("created", 0), params.get("created"))]
    limit = check_limit(params.get("limit", 10))
    starting_after = params.get("starting_after")
    ending_before = params.get("ending_before")
    if starting_after and ending_before:
        raise invalid(
            "You may only specify one of these parameters: ending_before, starting_after.",
            param="ending_before",
        )
    ids = [o["id"] for o in rows]
    if starting_after:
        position = _position(ids, starting_after, kind, "starting_after")
        page = rows[position + 1 : position + 1 + limit]
        has_more = position + 1 + limit < len(rows)
    elif ending_before:
        position = _position(ids, ending_before, kind, "ending_before")
        start = max(0, position - limit)
        page = rows[start:position]
        has_more = start > 0
    else:
        page = rows[:limit]
        has_more = len(rows) > limit
    return list_object(page, url, has_more=has_more)


def check_limit(limit: int) -> int:
    if not 1 <= limit <= 100:
        raise param_error(
            f"Invalid integer: {limit}. This value must be between 1 and 100.",
            param="limit",
            code="parameter_invalid_integer",
        )
    return limit


def _position(ids: list[str], cursor: str, kind: str, param: str) -> int:
    try:
        return ids.index(cursor)
    except ValueError:
        raise invalid(f"No such {kind}: '{cursor}'", param=param, code="resource_missing") from None
