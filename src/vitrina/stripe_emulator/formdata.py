"""Decode Stripe's bracketed form encoding (`line_items[0][price_data][unit_amount]=100`).

The SDK sends lists with explicit indexes (`expand[0]=x`); list iterators may echo
`expand[]=x` from a URL. Indexed lists arrive here as dicts with digit keys; the params
validator turns them into lists where the spec says the field is a list.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from vitrina.stripe_emulator.errors import param_error

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")

Form = dict[str, Any]


def parse_form(encoded: str) -> Form:
    result: Form = {}
    for key, value in parse_qsl(encoded, keep_blank_values=True):
        match = _KEY.match(key)
        if match is None:
            raise param_error(f"Invalid parameter name: {key}", param=key, code="parameter_unknown")
        path = [match.group(1), *_SEGMENT.findall(match.group(2))]
        _insert(result, path, value, key)
    return result


def _insert(node: Form, path: list[str], value: str, full_key: str) -> None:
    head, rest = path[0], path[1:]
    if not rest:
        if head in node and isinstance(node[head], (dict, list)):
            raise _conflict(full_key)
        node[head] = value
        return
    if rest[0] == "" and len(rest) == 1:
        existing = node.setdefault(head, [])
        if not isinstance(existing, list):
            raise _conflict(full_key)
        existing.append(value)
        return
    child = node.setdefault(head, {})
    if not isinstance(child, dict):
        raise _conflict(full_key)
    _insert(child, rest, value, full_key)


def _conflict(key: str) -> Exception:
    return param_error(
        f"Invalid value for {key}: a parameter was given both as a value and as a hash.",
        param=key,
        code="parameter_invalid_string",
    )
