"""Stripe's search query language (`/v1/<resource>/search`), as https://docs.stripe.com/search
describes it.

A query is up to 10 clauses `field<op>value`, joined by spaces or `AND` (all must match) or by
`OR` (any may match); `AND` and `OR` cannot be mixed and there are no parentheses. A clause
may be negated with a leading `-`. Operators: `:` exact match (every field), `~` substring
match of at least 3 characters (string fields), `>` `<` `>=` `<=` (numeric fields).
String values are quoted with `'` or `"` (a backslash escapes a quote); numbers, `true` and
`false` may go bare; `null` matches a field that has no value. Metadata is queried as
`metadata['key']:'value'`.

Results are newest first, `limit` (1-100, default 10) at a time; `next_page` is an opaque
token for the `page` parameter; `expand[]=total_count` adds `total_count`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from vitrina.stripe_emulator.errors import StripeError, param_error
from vitrina.stripe_emulator.listing import check_limit
from vitrina.stripe_emulator.store import StripeObject

Kind = Literal["string", "token", "numeric", "boolean", "metadata"]
MAX_CLAUSES = 10
MIN_SUBSTRING = 3
COMPARATORS = (">=", "<=", ">", "<")

UNPARSABLE = (
    "We were unable to parse your search query. Try using the format "
    '`metadata["key"]:"value"` to query for metadata or key:"value" to query for other fields.'
)


@dataclass(frozen=True)
class Clause:
    field: str
    key: str | None
    operator: str
    value: str | None
    """The value as written (quotes removed); None for `null`."""
    quoted: bool
    negated: bool


@dataclass(frozen=True)
class Query:
    clauses: tuple[Clause, ...]
    any_of: bool
    """True when the clauses are joined by OR."""


def _query_error(message: str) -> StripeError:
    return StripeError(400, message, param="query", stored=False)


_CLAUSE = re.compile(
    r"""(?P<negated>-)?
        (?P<field>[A-Za-z_][A-Za-z0-9_.]*)
        (?:\[(?P<kq>['"])(?P<key>(?:\\.|(?!(?P=kq)).)*)(?P=kq)\])?
        (?P<operator>>=|<=|:|~|>|<)
        (?:(?P<q>['"])(?P<quoted>(?:\\.|(?!(?P=q)).)*)(?P=q)|(?P<bare>[^\s'"]+))""",
    re.VERBOSE,
)
_JOINER = re.compile(r"(AND|OR)(?=\s)", re.IGNORECASE)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def parse(text: str) -> Query:
    """Parse a query, or raise Stripe's 400 (`param: query`)."""
    clauses: list[Clause] = []
    joiners: set[str] = set()
    position, length = 0, len(text)
    expect_clause = True
    while True:
        while position < length and text[position].isspace():
            position += 1
        if position >= length:
            break
        joiner = _JOINER.match(text, position)
        if joiner and not expect_clause:
            joiners.add(joiner.group(1).upper())
            position = joiner.end()
            expect_clause = True
            continue
        found = _CLAUSE.match(text, position)
        if found is None:
            raise _query_error(UNPARSABLE)
        end = found.end()
        if end < length and not text[end].isspace():
            raise _query_error(UNPARSABLE)
        clauses.append(_clause(found))
        position, expect_clause = end, False
    if not clauses or (expect_clause and joiners):
        raise _query_error(UNPARSABLE)
    if len(joiners) > 1:
        raise _query_error(
            "A search query cannot combine `AND` and `OR`: use one of them (there are no "
            "parentheses to group clauses)."
        )
    if len(clauses) > MAX_CLAUSES:
        raise _query_error(f"A search query can have at most {MAX_CLAUSES} clauses.")
    return Query(tuple(clauses), any_of=joiners == {"OR"})


def _clause(found: re.Match[str]) -> Clause:
    quoted = found.group("q") is not None
    raw = _unescape(found.group("quoted")) if quoted else found.group("bare")
    value: str | None = raw
    if not quoted and raw == "null":
        value = None
    key = found.group("key")
    return Clause(
        field=found.group("field"),
        key=_unescape(key) if key is not None else None,
        operator=found.group("operator"),
        value=value,
        quoted=quoted,
        negated=found.group("negated") is not None,
    )


@dataclass(frozen=True)
class Resource:
    """A searchable resource: its name in Stripe's docs, its URL and its query fields."""

    name: str
    url: str
    fields: dict[str, Kind]

    def check(self, query: Query) -> None:
        for clause in query.clauses:
            kind = self.fields.get(clause.field)
            if kind is None or (kind == "metadata") != (clause.key is not None):
                raise _query_error(
                    f"Field `{clause.field}` is an unsupported search field for resource "
                    f"`{self.name}`. See http://stripe.com/docs/search#query-fields-for-"
                    f"{self.name.replace('_', '-')} for a list of supported fields."
                )
            _check_clause(clause, kind)

    def matches(self, obj: StripeObject, query: Query) -> bool:
        results = (self._matches(obj, clause) != clause.negated for clause in query.clauses)
        return any(results) if query.any_of else all(results)

    def _matches(self, obj: StripeObject, clause: Clause) -> bool:
        kind = self.fields[clause.field]
        if kind == "metadata":
            actual: Any = (obj.get("metadata") or {}).get(clause.key or "")
        else:
            actual = obj.get(clause.field)
        if clause.value is None:
            return actual is None
        if actual is None:
            return False
        wanted = clause.value
        if kind == "numeric":
            return _compare(int(actual), clause.operator, int(wanted))
        if kind == "boolean":
            return bool(actual) == (wanted == "true")
        if kind == "token":
            return str(actual) == wanted
        if clause.operator == "~":
            return wanted.lower() in str(actual).lower()
        return str(actual).lower() == wanted.lower()


def _check_clause(clause: Clause, kind: Kind) -> None:
    operator, value = clause.operator, clause.value
    where = f"`{clause.field}`" if clause.key is None else f"`metadata['{clause.key}']`"
    if operator in COMPARATORS and kind != "numeric":
        raise _query_error(
            f"The `{operator}` operator can only be used on numeric fields; {where} is not one."
        )
    if operator == "~":
        if kind != "string":
            raise _query_error(
                f"Substring matching (`~`) can only be used on string fields; {where} is not one."
            )
        if value is None or len(value) < MIN_SUBSTRING:
            raise _query_error(
                f"Substring matching (`~`) needs at least {MIN_SUBSTRING} characters "
                f"(in the clause on {where})."
            )
    if value is None:
        if operator != ":":
            raise _query_error(f"`null` can only be matched with `:` (in the clause on {where}).")
        return
    if kind == "numeric":
        if not re.fullmatch(r"-?\d+", value):
            raise _query_error(f"{where} is a numeric field: `{value}` is not a number.")
    elif kind == "boolean":
        if value not in ("true", "false"):
            raise _query_error(f"{where} is a boolean field: use 'true' or 'false'.")
    elif not clause.quoted:
        raise _query_error(UNPARSABLE)


def _compare(actual: int, operator: str, wanted: int) -> bool:
    if operator == ">":
        return actual > wanted
    if operator == "<":
        return actual < wanted
    if operator == ">=":
        return actual >= wanted
    if operator == "<=":
        return actual <= wanted
    return actual == wanted


def _page_token(query: str, offset: int) -> str:
    data = {"q": _fingerprint(query), "o": offset}
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _fingerprint(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()[:12]


def _offset(page: str | None, query: str) -> int:
    if not page:
        return 0
    try:
        padded = page + "=" * (-len(page) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset = int(data["o"])
        same_query = data["q"] == _fingerprint(query)
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise param_error(f"Invalid page: {page}", param="page", code=None) from None
    if not same_query or offset < 0:
        raise param_error(
            "This page token was returned for another query; use it with the same query.",
            param="page",
            code=None,
        )
    return offset


def search(
    resource: Resource, rows: Iterable[StripeObject], params: dict[str, Any]
) -> StripeObject:
    """The `search_result` page of `rows` (newest first) that match `params["query"]`."""
    text = params.get("query")
    if not text or not text.strip():
        raise param_error("Missing required param: query.", param="query", code="parameter_missing")
    query = parse(text)
    resource.check(query)
    limit = check_limit(params.get("limit", 10))
    offset = _offset(params.get("page"), text)
    found = [row for row in rows if resource.matches(row, query)]
    page = found[offset : offset + limit]
    has_more = offset + limit < len(found)
    result: StripeObject = {
        "object": "search_result",
        "data": page,
        "has_more": has_more,
        "next_page": _page_token(text, offset + limit) if has_more else None,
        "url": resource.url,
    }
    if "total_count" in (params.get("expand") or []):
        result["total_count"] = len(found)
    return result


PRODUCTS = Resource(
    "products",
    "/v1/products/search",
    {
        "active": "boolean",
        "description": "string",
        "metadata": "metadata",
        "name": "string",
        "shippable": "boolean",
        "url": "string",
    },
)
PRICES = Resource(
    "prices",
    "/v1/prices/search",
    {
        "active": "boolean",
        "currency": "token",
        "lookup_key": "string",
        "metadata": "metadata",
        "product": "token",
        "type": "token",
    },
)
CUSTOMERS = Resource(
    "customers",
    "/v1/customers/search",
    {
        "created": "numeric",
        "email": "string",
        "metadata": "metadata",
        "name": "string",
        "phone": "string",
    },
)
