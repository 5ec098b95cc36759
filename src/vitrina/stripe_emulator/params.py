"""Parameter checking grounded in the installed SDK's typed params (Stripe's own spec).

Each endpoint names a `stripe.params.*` TypedDict. Its keys (`__required_keys__ |
__optional_keys__`, less the SDK's request-option keys) are the parameters Stripe accepts;
nested TypedDicts, lists of them, `Dict[str, str]` maps, `Literal` enums, ints and booleans
are followed recursively. Decoded form strings are coerced to those types, and every
failure is a 400 that the idempotency layer does not store.
"""

from __future__ import annotations

import re
import sys
import typing
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, ForwardRef, NotRequired, Required

from typing_extensions import is_typeddict

from vitrina.stripe_emulator.errors import param_error

REQUEST_OPTION_KEYS = frozenset(
    {
        "api_key",
        "stripe_version",
        "stripe_account",
        "stripe_context",
        "max_network_retries",
        "idempotency_key",
        "content_type",
        "headers",
    }
)

UNSET = ""
"""Stripe's "unset this field" value: an empty string (`metadata[k]=""`, `description=""`)."""

_INT = re.compile(r"^-?\d+$")


class Node:
    """A node of the parameter schema tree."""


@dataclass(frozen=True)
class Scalar(Node):
    kind: type


@dataclass(frozen=True)
class Enum(Node):
    values: tuple[str, ...]


@dataclass(frozen=True)
class ListOf(Node):
    item: Node


@dataclass(frozen=True)
class MapOf(Node):
    value: Node


@dataclass(frozen=True)
class AnyOf(Node):
    options: tuple[Node, ...]
    unsettable: bool


@dataclass
class Obj(Node):
    name: str
    fields: dict[str, Node] = field(default_factory=dict)
    required: frozenset[str] = frozenset()


class Anything(Node):
    pass


ANYTHING = Anything()


@cache
def schema_for(params_class: Any) -> Obj:
    """The schema tree of a `stripe.params` TypedDict (cached per class)."""
    obj = Obj(name=params_class.__name__)
    _SCHEMAS[params_class] = obj
    module = sys.modules[params_class.__module__]
    namespace = {**vars(typing), **vars(module)}
    keys = params_class.__required_keys__ | params_class.__optional_keys__
    annotations = _all_annotations(params_class)
    for key in sorted(keys - REQUEST_OPTION_KEYS):
        obj.fields[key] = _node(annotations.get(key, Any), namespace)
    obj.required = frozenset(params_class.__required_keys__ - REQUEST_OPTION_KEYS)
    return obj


_SCHEMAS: dict[type, Obj] = {}


def _all_annotations(cls: type) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        merged.update(getattr(klass, "__annotations__", {}))
    return merged


def _node(annotation: Any, namespace: dict[str, Any]) -> Node:
    if isinstance(annotation, str):
        annotation = ForwardRef(annotation)
    if isinstance(annotation, ForwardRef):
        try:
            annotation = eval(annotation.__forward_arg__, namespace)  # noqa: S307 - SDK source
        except Exception:
            return ANYTHING
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (NotRequired, Required):
        return _node(args[0], namespace)
    if is_typeddict(annotation):
        return _SCHEMAS.get(annotation) or schema_for(annotation)
    if origin is typing.Literal:
        return Enum(tuple(str(a) for a in args))
    if origin in (list, tuple) or origin is typing.List:  # noqa: UP006
        return ListOf(_node(args[0], namespace) if args else ANYTHING)
    if origin is dict:
        return MapOf(_node(args[1], namespace) if len(args) == 2 else ANYTHING)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return _union(args, namespace)
    if origin is not None and getattr(origin, "__name__", "") == "UntypedStripeObject":
        return MapOf(_node(args[0], namespace) if args else ANYTHING)
    if annotation in (int, bool, str, float, Decimal):
        return Scalar(annotation)
    return ANYTHING


def _union(args: tuple[Any, ...], namespace: dict[str, Any]) -> Node:
    options: list[Node] = []
    unsettable = False
    for arg in args:
        if arg is type(None):
            continue
        node = _node(arg, namespace)
        if isinstance(node, Enum) and node.values == ("",):
            unsettable = True
            continue
        options.append(node)
    enums = [o for o in options if isinstance(o, Enum)]
    strings = [o for o in options if o == Scalar(str)]
    if enums and strings:
        # `Literal[...] | str` is the SDK's forward-compatible enum: Stripe checks the values.
        options = [o for o in options if o not in strings]
    if len(options) == 1 and not unsettable:
        return options[0]
    return AnyOf(tuple(options), unsettable)


def validate(params_class: Any, form: dict[str, Any]) -> dict[str, Any]:
    """Check and coerce decoded form params against the SDK's TypedDict for the endpoint."""
    result = _coerce(schema_for(params_class), form, "")
    assert isinstance(result, dict)
    return result


def _path(parent: str, key: str | int) -> str:
    return str(key) if not parent else f"{parent}[{key}]"


def _coerce(node: Node, value: Any, path: str) -> Any:
    if isinstance(node, Obj):
        return _coerce_obj(node, value, path)
    if isinstance(node, AnyOf):
        return _coerce_union(node, value, path)
    if isinstance(node, ListOf):
        return _coerce_list(node, value, path)
    if isinstance(node, MapOf):
        if value == UNSET:
            return UNSET
        if not isinstance(value, dict):
            raise _invalid_hash(path)
        return {k: _coerce(node.value, v, _path(path, k)) for k, v in value.items()}
    if isinstance(node, Enum):
        if not isinstance(value, str) or value not in node.values:
            choices = ", ".join(node.values[:-1]) + (", or " if len(node.values) > 1 else "")
            choices += node.values[-1]
            raise param_error(f"Invalid {path}: must be one of {choices}", param=path, code=None)
        return value
    if isinstance(node, Scalar):
        return _coerce_scalar(node.kind, value, path)
    return value


def _invalid_hash(path: str) -> Exception:
    return param_error(
        f"Invalid object: {path} must be a hash of keys and values",
        param=path,
        code=None,
    )


def _coerce_obj(node: Obj, value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _invalid_hash(path)
    result: dict[str, Any] = {}
    for key, raw in value.items():
        child_path = _path(path, key)
        if key not in node.fields:
            raise param_error(
                f"Received unknown parameter: {child_path}",
                param=child_path,
                code="parameter_unknown",
            )
        result[key] = _coerce(node.fields[key], raw, child_path)
    for key in sorted(node.required - value.keys()):
        child_path = _path(path, key)
        raise param_error(
            f"Missing required param: {child_path}.", param=child_path, code="parameter_missing"
        )
    return result


def _coerce_list(node: ListOf, value: Any, path: str) -> list[Any] | str:
    if value == UNSET:
        return UNSET
    if isinstance(value, dict):
        if not all(k.isdigit() for k in value):
            raise _invalid_array(path)
        items = [value[k] for k in sorted(value, key=int)]
    elif isinstance(value, list):
        items = value
    else:
        raise _invalid_array(path)
    return [_coerce(node.item, item, _path(path, i)) for i, item in enumerate(items)]


def _invalid_array(path: str) -> Exception:
    return param_error(f"Invalid array: {path} must be an array", param=path, code=None)


def _coerce_union(node: AnyOf, value: Any, path: str) -> Any:
    if value == UNSET and node.unsettable:
        return UNSET
    structured = [o for o in node.options if isinstance(o, (Obj, MapOf, ListOf, Anything))]
    scalars = [o for o in node.options if not isinstance(o, (Obj, MapOf, ListOf))]
    candidates = structured if isinstance(value, (dict, list)) else scalars
    if not candidates:
        candidates = list(node.options)
    last_error: Exception | None = None
    for option in candidates:
        try:
            return _coerce(option, value, path)
        except Exception as exc:  # try the next alternative of the union
            last_error = exc
    if last_error is None:
        return value
    raise last_error


def _coerce_scalar(kind: type, value: Any, path: str) -> Any:
    if not isinstance(value, str):
        raise param_error(
            f"Invalid {kind.__name__}: {path} must be a single value, not a hash or array",
            param=path,
            code=f"parameter_invalid_{_KIND_NAMES.get(kind, 'string')}",
        )
    if kind is int:
        if not _INT.match(value):
            raise param_error(
                f"Invalid integer: {value}", param=path, code="parameter_invalid_integer"
            )
        return int(value)
    if kind is bool:
        if value not in ("true", "false"):
            raise param_error(f"Invalid boolean: {value}", param=path, code=None)
        return value == "true"
    if kind in (float, Decimal):
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise param_error(
                f"Invalid decimal: {value}", param=path, code="parameter_invalid_decimal"
            ) from None
        if not number.is_finite():
            raise param_error(
                f"Invalid decimal: {value}", param=path, code="parameter_invalid_decimal"
            )
        return number
    return value


_KIND_NAMES = {int: "integer", bool: "boolean", float: "decimal", Decimal: "decimal"}
