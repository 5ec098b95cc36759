"""`expand[]`: replace ids by the objects they name, along dotted paths (`data.x` in lists).

Fields Stripe leaves out unless asked for ("includable") are added here: a session's
`line_items` and `total_details.breakdown`, a charge's `refunds`, a search's `total_count`
(which the search itself counts).
"""

from __future__ import annotations

import copy
from typing import Any

from vitrina.stripe_emulator.errors import invalid
from vitrina.stripe_emulator.listing import list_object
from vitrina.stripe_emulator.state import EmulatorState
from vitrina.stripe_emulator.store import StripeObject, snapshot

MAX_DEPTH = 4
EXPANDABLE = frozenset(
    {
        "line_items", "payment_intent", "latest_charge", "charge", "default_price", "product",
        "price", "coupon", "promotion_code", "customer", "invoice", "subscription",
        "payment_link", "shipping_rate", "discounts", "setup_intent", "balance_transaction",
        "payment_method", "review", "refunds",
    }
)  # fmt: skip


def expand(state: EmulatorState, obj: StripeObject, paths: list[str]) -> StripeObject:
    result = snapshot(obj)
    for path in paths:
        segments = path.split(".")
        if len(segments) > MAX_DEPTH:
            raise invalid(
                f"You cannot expand more than {MAX_DEPTH} levels of a property. Property: {path}",
                param="expand",
            )
        if path == "total_count":
            if obj.get("object") != "search_result":
                raise _not_expandable(path)
            continue
        if path == "total_details.breakdown" and obj.get("object") == "checkout.session":
            breakdown = state.breakdowns.get(obj["id"], {"discounts": [], "taxes": []})
            result["total_details"]["breakdown"] = snapshot(breakdown)
            continue
        _expand(state, result, segments, path)
    return result


def check_paths(paths: list[str]) -> None:
    """Refuse unknown expansions before the request runs, as Stripe does."""
    for path in paths:
        segments = path.split(".")
        if len(segments) > MAX_DEPTH:
            raise invalid(
                f"You cannot expand more than {MAX_DEPTH} levels of a property. Property: {path}",
                param="expand",
                stored=False,
            )
        if path in ("total_details.breakdown", "total_count"):
            continue
        if any(s not in EXPANDABLE and s != "data" for s in segments):
            raise _not_expandable(path)


def _expand(state: EmulatorState, node: Any, segments: list[str], path: str) -> None:
    if not segments:
        return
    head, rest = segments[0], segments[1:]
    if isinstance(node, list):
        for item in node:
            _expand(state, item, segments, path)
        return
    if not isinstance(node, dict):
        raise _not_expandable(path)
    if node.get("object") in ("list", "search_result") and head == "data":
        for item in node["data"]:
            _expand(state, item, rest, path)
        return
    if head not in EXPANDABLE:
        raise _not_expandable(path)
    if head not in node:
        included = _includable(state, node, head)
        if included is None:
            raise _not_expandable(path)
        node[head] = included
    value = node[head]
    if isinstance(value, str):
        target = state.find_any(value)
        if target is None:
            raise _not_expandable(path)
        node[head] = snapshot(target)
    elif isinstance(value, list) and rest:
        pass
    elif value is not None and not isinstance(value, (dict, list)):
        raise _not_expandable(path)
    if value is not None:
        _expand(state, node[head], rest, path)


def _includable(state: EmulatorState, node: StripeObject, field: str) -> Any:
    if node.get("object") == "checkout.session" and field == "line_items":
        items = state.line_items.get(node["id"], [])
        url = f"/v1/checkout/sessions/{node['id']}/line_items"
        return list_object(copy.deepcopy(items), url, has_more=False)
    if node.get("object") == "charge" and field == "refunds":
        refunds = [r for r in state.refunds.newest_first() if r["charge"] == node["id"]]
        url = f"/v1/charges/{node['id']}/refunds"
        return list_object([snapshot(r) for r in refunds], url, has_more=False)
    return None


def _not_expandable(path: str) -> Exception:
    return invalid(f"This property cannot be expanded ({path}).", param="expand", stored=False)
