"""The product list: search, filters, sorts and keyset pagination (the SQL is in
`list_statements.py`; this module binds a request's values and shapes the rows).

Pages are keyset-paginated: the opaque cursor holds the sort key of the last row shown, so a
deep page costs what the first does and rows added meanwhile never shift or repeat a page.
Counting is bounded and asked for (`facets=true`, `facets.py`). Relevance ranks a bounded
window of matches (see `_relevance_page`) so that a broad word does not score half the
catalog on every request. A search that finds fewer than FEW products tries a spelling
correction (`suggestions.py`): offered as `suggestion` when it finds more, and listed in
place of the query (`corrected`) when the query found nothing; the cursor then carries the
corrected query. A query of symbols only (`%`, `_`, `*`, `...`) has no word to match and
finds nothing. Rows are plain (Core), the first image joined in, and the API serialises them
directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncConnection

from vitrina.catalog.categories import descendant_ids
from vitrina.catalog.cursors import decode_cursor, encode_cursor, query_of, with_query
from vitrina.catalog.facets import count_and_facets
from vitrina.catalog.list_statements import Page, Shape, image_of, statement
from vitrina.catalog.schemas import Facets, ProductPage, ProductQuery, ProductSort
from vitrina.catalog.slugs import escape_like
from vitrina.catalog.suggestions import correction
from vitrina.catalog.words import has_words, like_stem, words_of
from vitrina.config import get_settings
from vitrina.db import Executor, connection_of
from vitrina.kit.languages import Language
from vitrina.reads import Row, fetch, local_setting

RELEVANCE_WINDOW = 500
RELEVANCE_SLICE = 40_000
"""PostgreSQL: the newest ids a relevance window's first read walks (list_statements._window)."""
CUSTOM_PLANS = "SET LOCAL plan_cache_mode = force_custom_plan"
"""A text search is planned with its own words: one word matches one product, another half
the catalog, and a prepared statement's cached generic plan would guess (and scan a million
rows for a rare word)."""


FEW = 3
"""A search finding fewer products than this tries a spelling correction."""


def search_text(params: ProductQuery) -> str | None:
    """The search text; None when there is no search (no or a blank `q`)."""
    if params.q is None:
        return None
    q = params.q.replace("\x00", " ").strip()
    return q or None


@dataclass(frozen=True)
class Listed:
    """A page as plain data: `items` hold a `ProductListItem`'s fields."""

    items: list[dict[str, Any]]
    next_cursor: str | None
    total: int | None = None
    total_capped: bool = False
    facets: Facets | None = None
    suggestion: str | None = None
    corrected: bool = False

    def fields(self) -> dict[str, Any]:
        """The page as a `ProductPage`'s fields (`items` built field for field by
        `list_item`; the API's schema tests check the result)."""
        return {
            "items": self.items,
            "next_cursor": self.next_cursor,
            "total": self.total,
            "total_capped": self.total_capped,
            "facets": self.facets.model_dump() if self.facets is not None else None,
            "suggestion": self.suggestion,
            "corrected": self.corrected,
        }

    def json(self) -> bytes:
        """The page as the API sends it, serialised without a model per item."""
        return to_json(self.fields())


NOTHING = Listed([], None)


async def search_products(
    executor: Executor,
    params: ProductQuery,
    language: Language | None = None,
    options: Mapping[str, str] | None = None,
) -> ProductPage:
    """One page of products as models (for pages that render them)."""
    listed = await list_products(executor, params, language, options)
    return ProductPage.model_validate(listed.fields())


async def list_products(
    executor: Executor,
    params: ProductQuery,
    language: Language | None = None,
    options: Mapping[str, str] | None = None,
) -> Listed:
    """One page of products in `language` (else `params.lang`, else the store's), in one
    statement (a relevance page may take two; counting and a correction one more each).
    `options` (option slug -> value slug, `option_filters`) keeps products with an active
    variant of those values."""
    connection = await connection_of(executor)
    chosen = dict(options or {})
    language = language or params.lang or get_settings().store_language
    asked = search_text(params)
    if asked is not None and not has_words(asked):
        return replace(NOTHING, total=0, facets=Facets(categories=[], prices=[]))
    if asked is not None and params.cursor and (carried := query_of(params.cursor)):
        return _corrected(await _list(connection, params, language, carried, chosen), carried)
    listed = await _list(connection, params, language, asked, chosen)
    if asked is None or params.cursor or len(listed.items) >= FEW:
        return listed
    suggestion = await correction(connection, asked)
    if suggestion is None:
        return listed
    alternative = await _list(connection, params, language, suggestion, chosen)
    if len(alternative.items) <= len(listed.items):
        return listed
    if listed.items:
        return replace(listed, suggestion=suggestion)
    return _corrected(alternative, suggestion)


def _corrected(listed: Listed, suggestion: str) -> Listed:
    """The page of a corrected search; its cursor carries the correction to the next."""
    cursor = listed.next_cursor
    return replace(
        listed,
        next_cursor=with_query(cursor, suggestion) if cursor else None,
        suggestion=suggestion,
        corrected=True,
    )


async def _list(
    connection: AsyncConnection,
    params: ProductQuery,
    language: Language,
    q: str | None,
    options: dict[str, str],
) -> Listed:
    """One page for the search text `q` (None: no search)."""
    dialect = connection.dialect.name
    values: dict[str, Any] = {"limit": params.limit + 1}
    words = 0
    if q is not None and dialect == "postgresql":
        words, values["q"] = 1, q
    elif q is not None:
        found = words_of(q)
        words = len(found)
        values.update({f"word{n}": f"%{escape_like(like_stem(w))}%" for n, w in enumerate(found)})
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
    for n, (option, value) in enumerate(sorted(options.items())):
        values[f"option{n}"], values[f"value{n}"] = option, value
    sort = params.sort or (ProductSort.RELEVANCE if words else ProductSort.NEWEST)
    if sort is ProductSort.RELEVANCE and not words:
        sort = ProductSort.NEWEST
    shape = Shape(
        dialect=dialect,
        language=language,
        words=words,
        sort=sort,
        categories=categories,
        min_price=params.min_price is not None,
        max_price=params.max_price is not None,
        in_stock=params.in_stock,
        include_inactive=params.include_inactive,
        options=len(options),
    )
    if shape.words and dialect == "postgresql":
        async with local_setting(connection, CUSTOM_PLANS):
            return await _counted_page(connection, params, shape, values)
    return await _counted_page(connection, params, shape, values)


async def _counted_page(
    connection: AsyncConnection, params: ProductQuery, shape: Shape, values: dict[str, Any]
) -> Listed:
    listed = await _page_of(connection, params, shape, dict(values))
    if not params.facets or params.cursor:
        return listed
    currency = get_settings().store_currency
    total, capped, facets = await count_and_facets(connection, shape, values, currency)
    return replace(listed, total=total, total_capped=capped, facets=facets)


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
        found = await read("first", window=RELEVANCE_WINDOW, slice=RELEVANCE_SLICE)
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
        "price_max": row["price_max"],
        "currency": row["currency"],
        "in_stock": row["stock"] > 0,
        "stock": row["stock"],
        "is_active": row["is_active"],
        "category_id": row["category_id"],
        "thumbnail": image_of(row),
        "created_at": row["created_at"],
    }
