"""The product list: search, filters, sorts and keyset pagination (the SQL is in
`list_statements.py`; this module binds a request's values and shapes the rows).

Pages are keyset-paginated: the opaque cursor holds the sort key of the last row shown, so a
deep page costs what the first does and rows added meanwhile never shift or repeat a page.
No COUNT(*) is run: `total` is left out. Relevance ranks a bounded window of matches (see
`_relevance_page`) so that a broad word does not score half the catalog on every request.
Rows are plain (Core), the first image joined in, and the API serialises them directly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncConnection

from vitrina.catalog.categories import descendant_ids
from vitrina.catalog.cursors import decode_cursor, encode_cursor
from vitrina.catalog.list_statements import Page, Shape, image_of, statement
from vitrina.catalog.schemas import ProductPage, ProductQuery, ProductSort
from vitrina.catalog.slugs import escape_like
from vitrina.db import Executor, connection_of
from vitrina.reads import Row, fetch, local_setting

RELEVANCE_WINDOW = 500
CUSTOM_PLANS = "SET LOCAL plan_cache_mode = force_custom_plan"
"""A text search is planned with its own words: one word matches one product, another half
the catalog, and a prepared statement's cached generic plan would guess (and scan a million
rows for a rare word)."""


_WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 20


def effective_query(params: ProductQuery) -> str | None:
    """The search text, or None when it holds no word to search for."""
    if params.q is None:
        return None
    q = params.q.replace("\x00", " ").strip()
    return q if _WORD.search(q) else None


@dataclass(frozen=True)
class Listed:
    """A page as plain data: `items` hold a `ProductListItem`'s fields."""

    items: list[dict[str, Any]]
    next_cursor: str | None

    def json(self) -> bytes:
        """The page as the API sends it (a `ProductPage`), serialised without a model per
        item: `items` are built field for field by `list_item`, and the API's schema tests
        check the result."""
        return to_json({"items": self.items, "next_cursor": self.next_cursor, "total": None})


async def search_products(executor: Executor, params: ProductQuery) -> ProductPage:
    """One page of products as models (for pages that render them)."""
    listed = await list_products(executor, params)
    return ProductPage.model_validate({"items": listed.items, "next_cursor": listed.next_cursor})


async def list_products(executor: Executor, params: ProductQuery) -> Listed:
    """One page of products, in one statement (a relevance page may take two)."""
    connection = await connection_of(executor)
    dialect = connection.dialect.name
    q = effective_query(params)
    values: dict[str, Any] = {"limit": params.limit + 1}
    words = 0
    if q is not None and dialect == "postgresql":
        words, values["q"] = 1, q
    elif q is not None:
        found = [w.lower() for w in _WORD.findall(q)][:MAX_WORDS]
        words = len(found)
        values.update({f"word{n}": f"%{escape_like(w)}%" for n, w in enumerate(found)})
    categories = 0
    if params.category:
        ids = await descendant_ids(connection, params.category)
        categories = min(len(ids), 2)
        values["category_id" if len(ids) == 1 else "category_ids"] = (
            ids[0] if len(ids) == 1 else ids
        )
    if params.min_price is not None:
        values["min_price"] = params.min_price
    if params.max_price is not None:
        values["max_price"] = params.max_price
    sort = params.sort or (ProductSort.RELEVANCE if words else ProductSort.NEWEST)
    if sort is ProductSort.RELEVANCE and not words:
        sort = ProductSort.NEWEST
    shape = Shape(
        dialect=dialect,
        words=words,
        sort=sort,
        categories=categories,
        min_price=params.min_price is not None,
        max_price=params.max_price is not None,
        in_stock=params.in_stock,
        include_inactive=params.include_inactive,
    )
    if shape.words and dialect == "postgresql":
        async with local_setting(connection, CUSTOM_PLANS):
            return await _page_of(connection, params, shape, values)
    return await _page_of(connection, params, shape, values)


async def _page_of(
    connection: AsyncConnection, params: ProductQuery, shape: Shape, values: dict[str, Any]
) -> Listed:
    if shape.sort is ProductSort.RELEVANCE:
        return await _relevance_page(connection, params, shape, values)
    sort = shape.sort
    if params.cursor:
        values["after_key"], values["after_id"] = decode_cursor(params.cursor, sort)
        shape = replace(shape, page="after")
    rows = await fetch(connection, statement(shape), values)
    page = rows[: params.limit]
    next_cursor = None
    if len(rows) > params.limit:
        next_cursor = encode_cursor(sort, _key_values(sort, page[-1]))
    return Listed([list_item(r) for r in page], next_cursor)


async def _relevance_page(
    connection: AsyncConnection, params: ProductQuery, shape: Shape, values: dict[str, Any]
) -> Listed:
    """Best matches first, ranked among the RELEVANCE_WINDOW most recent matches, then the
    older matches newest first.

    Ranking every match of a broad word ("oak" in 60,000 of a million products) means reading
    and scoring them all, hundreds of milliseconds; the window bounds that work. The window
    (lowest and highest id) is fixed by the first page and carried in the cursor, so paging
    stays exact: every match present at the first page is listed once.
    """
    limit = params.limit

    async def read(page: Page, **more: Any) -> Sequence[Row]:
        return await fetch(connection, statement(replace(shape, page=page)), values | more)

    rows: list[tuple[Row, Any]] = []
    if params.cursor:
        rank_after, id_after, low, high = decode_cursor(params.cursor, ProductSort.RELEVANCE)
        if rank_after is not None:
            found = await read(
                "ranked", low=low, high=high, rank_after=rank_after, id_after=id_after
            )
            rows = [(row, row["rank"]) for row in found]
    else:
        rank_after, id_after = None, None
        found = await read("first", window=RELEVANCE_WINDOW)
        if not found:
            return Listed([], None)
        low, high = found[0]["low"], found[0]["high"]
        rows = [(row, row["rank"]) for row in found]
    if len(rows) <= limit:
        older_than = id_after if id_after is not None and rank_after is None else low
        older = await read("older", older_than=older_than, limit=limit + 1 - len(rows))
        rows += [(row, None) for row in older]
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last, last_rank = page[-1]
        next_cursor = encode_cursor(ProductSort.RELEVANCE, [last_rank, last["id"], low, high])
    return Listed([list_item(row) for row, _ in page], next_cursor)


_SORT_KEY = {
    ProductSort.PRICE_ASC: "price",
    ProductSort.PRICE_DESC: "price",
    ProductSort.NAME: "name",
    ProductSort.NEWEST: "created_at",
}


def _key_values(sort: ProductSort, row: Row) -> list[Any]:
    return [row[_SORT_KEY[sort]], row["id"]]


def list_item(row: Row) -> dict[str, Any]:
    """A listed row (`list_statements.LISTED`) as the API shows it (`ProductListItem`)."""
    return {
        "id": row["id"],
        "name": row["name"],
        "slug": row["slug"],
        "price": row["price"],
        "currency": row["currency"],
        "in_stock": row["stock"] > 0,
        "stock": row["stock"],
        "is_active": row["is_active"],
        "category_id": row["category_id"],
        "thumbnail": image_of(row),
        "created_at": row["created_at"],
    }
