"""The product list: full-text search, filters, sorts and keyset pagination.

PostgreSQL searches `products.search_vector`, a stored generated `tsvector` (name weighted A,
description B) with a GIN index, made by migration 0003 and absent from the ORM model because
SQLite has no equivalent. SQLite falls back to LIKE over name and description. Either way
relevance puts name hits first.

Pages are keyset-paginated: the opaque cursor holds the sort key of the last row shown, so a
deep page costs what the first does and rows added meanwhile never shift or repeat a page.
No COUNT(*) is run: `total` is left out. Relevance ranks a bounded window of matches (see
`_relevance_page`) so that a broad word does not score half the catalog on every request.

The list is the store's busiest request, so its statements are Core, built once per *shape*
(which filters, which sort, first page or not) with bound parameters and kept (`_statement`);
a request only binds its values and reads plain rows, the first image joined in.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from pydantic_core import to_json
from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    String,
    and_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.ext.asyncio import AsyncConnection

from vitrina.catalog.categories import descendant_ids
from vitrina.catalog.cursors import decode_cursor, encode_cursor
from vitrina.catalog.models import Product, ProductImage
from vitrina.catalog.schemas import ProductPage, ProductQuery, ProductSort
from vitrina.db import Executor, connection_of

TEXT_SEARCH_CONFIG = "english"
SEARCH_VECTOR = literal_column("products.search_vector", type_=TSVECTOR)
RELEVANCE_WINDOW = 500
CUSTOM_PLANS = "SET LOCAL plan_cache_mode = force_custom_plan"


@asynccontextmanager
async def _custom_plans(connection: AsyncConnection) -> AsyncIterator[None]:
    """Plan a text search with its own words: one word matches one product, another half the
    catalog, and a prepared statement's cached generic plan would guess (and scan a million
    rows for a rare word). The setting is transaction-local; on an autocommit reader the
    search runs in a transaction of the driver's own, which ends with the search whatever
    happens (safe behind PgBouncer's transaction pooling too)."""
    options = (
        connection.sync_connection.get_execution_options() if connection.sync_connection else {}
    )
    if options.get("isolation_level") != "AUTOCOMMIT":
        await connection.exec_driver_sql(CUSTOM_PLANS)
        yield
        return
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    async with driver.transaction():
        await driver.execute(CUSTOM_PLANS)
        yield


_WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 20

_products = Product.__table__
_images = ProductImage.__table__
_p = _products.c
_i = _images.c
_other_image = _images.alias("other_image")
_FIRST_IMAGE = (
    select(_other_image.c.id)
    .where(_other_image.c.product_id == _p.id)
    .order_by(_other_image.c.position, _other_image.c.id)
    .limit(1)
    .correlate(_products)
    .scalar_subquery()
)
LISTED = (
    _p.id,
    _p.name,
    _p.slug,
    _p.price,
    _p.currency,
    _p.stock,
    _p.is_active,
    _p.category_id,
    _p.created_at,
    _i.id.label("image_id"),
    _i.path.label("image_path"),
    _i.alt.label("image_alt"),
    _i.width.label("image_width"),
    _i.height.label("image_height"),
    _i.position.label("image_position"),
    _i.content_type.label("image_content_type"),
)
"""What a list shows, the thumbnail (first image) joined in the same query."""
_LIMIT = bindparam("limit", type_=Integer)


@dataclass(frozen=True)
class _Shape:
    """What a list statement depends on besides its values; one statement per shape."""

    dialect: str
    words: int  # 0: no text search; PostgreSQL: 1 (the whole query); SQLite: LIKEs per word
    sort: ProductSort
    categories: int  # 0: any category, 1: one, 2: several
    min_price: bool
    max_price: bool
    in_stock: bool
    include_inactive: bool
    page: str = "first"  # "first", "after" (a cursor), or a relevance phase


@dataclass(frozen=True)
class _Order:
    keys: tuple[ColumnElement[Any], ...]
    descending: bool


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def effective_query(params: ProductQuery) -> str | None:
    """The search text, or None when it holds no word to search for."""
    if params.q is None:
        return None
    q = params.q.replace("\x00", " ").strip()
    return q if _WORD.search(q) else None


def _tsquery() -> ColumnElement[Any]:
    return func.websearch_to_tsquery(
        literal_column(f"'{TEXT_SEARCH_CONFIG}'"), bindparam("q", type_=String)
    )


def _word_patterns(shape: _Shape) -> list[ColumnElement[Any]]:
    return [bindparam(f"word{n}", type_=String) for n in range(shape.words)]


def _text_filter(shape: _Shape) -> ColumnElement[bool]:
    """The WHERE condition for a search query."""
    if shape.dialect == "postgresql":
        return SEARCH_VECTOR.op("@@")(_tsquery())
    return and_(
        *(
            or_(
                func.lower(_p.name).like(pattern, escape="\\"),
                func.lower(_p.description).like(pattern, escape="\\"),
            )
            for pattern in _word_patterns(shape)
        )
    )


def _rank_source(shape: _Shape) -> ColumnElement[Any]:
    """What relevance is computed from: the search vector, or on SQLite the name."""
    return SEARCH_VECTOR if shape.dialect == "postgresql" else _p.name


def _rank(shape: _Shape, source: ColumnElement[Any]) -> ColumnElement[Any]:
    """Relevance from `source` (see `_rank_source`); name hits always first."""
    if shape.dialect == "postgresql":
        query = _tsquery()
        name_hit = func.ts_filter(source, literal_column("'{a}'")).op("@@")(query)
        return func.ts_rank(source, query, 32) + case((name_hit, 1.0), else_=0.0)
    hits = [
        case((func.lower(source).like(pattern, escape="\\"), 1), else_=0)
        for pattern in _word_patterns(shape)
    ]
    return sum(hits, literal(0))


def _conditions(shape: _Shape) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if not shape.include_inactive:
        conditions.append(_p.is_active.is_(True))
    if shape.categories == 1:
        conditions.append(_p.category_id == bindparam("category_id", type_=Integer))
    elif shape.categories > 1:
        conditions.append(_p.category_id.in_(bindparam("category_ids", expanding=True)))
    if shape.min_price:
        conditions.append(_p.price >= bindparam("min_price", type_=Integer))
    if shape.max_price:
        conditions.append(_p.price <= bindparam("max_price", type_=Integer))
    if shape.in_stock:
        conditions.append(_p.stock > 0)
    if shape.words:
        conditions.append(_text_filter(shape))
    return conditions


def _order_for(sort: ProductSort) -> _Order:
    if sort is ProductSort.PRICE_ASC:
        return _Order((_p.price, _p.id), descending=False)
    if sort is ProductSort.PRICE_DESC:
        return _Order((_p.price, _p.id), descending=True)
    if sort is ProductSort.NAME:
        return _Order((_p.name, _p.id), descending=False)
    return _Order((_p.created_at, _p.id), descending=True)


def _listed(query: Select[Any]) -> Select[Any]:
    """`query` (over products) selecting the listed columns and the thumbnail."""
    return query.with_only_columns(*LISTED).outerjoin_from(
        _products, _images, _i.id == _FIRST_IMAGE
    )


@lru_cache(maxsize=1024)
def _statement(shape: _Shape) -> Select[Any]:
    """The statement for a shape, built on first use and kept: building one and computing
    its cache key cost more than binding values to it."""
    base = select(_p.id).where(*_conditions(shape))
    if shape.sort is ProductSort.RELEVANCE:
        return _relevance_statement(shape, base)
    order = _order_for(shape.sort)
    if shape.page == "after":
        after = tuple_(
            bindparam("after_key", type_=order.keys[0].type), bindparam("after_id", type_=Integer)
        )
        keys = tuple_(*order.keys)
        base = base.where(keys < after if order.descending else keys > after)
    ordering = [k.desc() if order.descending else k.asc() for k in order.keys]
    query = _merge_active_and_inactive(base, ordering) if shape.include_inactive else _listed(base)
    return query.order_by(*ordering).limit(_LIMIT)


def _merge_active_and_inactive(query: Select[Any], ordering: Sequence[Any]) -> Select[Any]:
    """Staff lists take the first rows of the active and of the inactive products, each in
    index order (the listing indexes lead with is_active), and merge those few; sorting the
    whole table instead costs a scan of every row."""
    branches = [
        query.where(_p.is_active.is_(state)).order_by(*ordering).limit(_LIMIT).subquery()
        for state in (True, False)
    ]
    first_ids = union_all(*(select(branch.c.id) for branch in branches)).subquery()
    return _listed(select(_p.id)).join_from(_products, first_ids, first_ids.c.id == _p.id)


def _relevance_statement(shape: _Shape, base: Select[Any]) -> Select[Any]:
    """The three phases of `_relevance_page`: the first page of the window, a later page of
    it (by rank), and the matches older than the window (newest first).

    The first page ranks the window's rows as the window query read them (no second read of
    500 rows) and joins the listed columns and thumbnails for the page's rows only."""
    if shape.page == "older":
        older = base.where(_p.id < bindparam("older_than", type_=Integer))
        return _listed(older).order_by(_p.id.desc()).limit(_LIMIT)
    if shape.page == "ranked":
        rank = _rank(shape, _rank_source(shape))
        ranked = _listed(base).add_columns(rank.label("rank"))
        ranked = ranked.where(
            _p.id.between(bindparam("low", type_=Integer), bindparam("high", type_=Integer)),
            tuple_(rank, _p.id) < tuple_(bindparam("rank_after"), bindparam("id_after")),
        )
        return ranked.order_by(rank.desc(), _p.id.desc()).limit(_LIMIT)
    window = (
        base.add_columns(_rank_source(shape).label("source"))
        .order_by(_p.id.desc())
        .limit(bindparam("window", type_=Integer))
        .subquery("window")
    )
    rank = _rank(shape, window.c.source)
    best = (
        select(
            window.c.id,
            rank.label("rank"),
            func.min(window.c.id).over().label("low"),
            func.max(window.c.id).over().label("high"),
        )
        .order_by(rank.desc(), window.c.id.desc())
        .limit(_LIMIT)
        .subquery("best")
    )
    first = (
        _listed(select(_p.id))
        .add_columns(best.c.rank, best.c.low, best.c.high)
        .join_from(_products, best, best.c.id == _p.id)
    )
    return first.order_by(best.c.rank.desc(), _p.id.desc())


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
        values.update({f"word{n}": f"%{_escape_like(w)}%" for n, w in enumerate(found)})
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
    shape = _Shape(
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
        async with _custom_plans(connection):
            return await _page_of(connection, params, shape, values)
    return await _page_of(connection, params, shape, values)


async def _page_of(
    connection: AsyncConnection, params: ProductQuery, shape: _Shape, values: dict[str, Any]
) -> Listed:
    if shape.sort is ProductSort.RELEVANCE:
        return await _relevance_page(connection, params, shape, values)
    sort = shape.sort
    if params.cursor:
        values["after_key"], values["after_id"] = decode_cursor(params.cursor, sort)
        shape = replace(shape, page="after")
    rows = (await connection.execute(_statement(shape), values)).all()
    page = rows[: params.limit]
    next_cursor = None
    if len(rows) > params.limit:
        next_cursor = encode_cursor(sort, _key_values(sort, page[-1]))
    return Listed([list_item(r) for r in page], next_cursor)


async def _relevance_page(
    connection: AsyncConnection, params: ProductQuery, shape: _Shape, values: dict[str, Any]
) -> Listed:
    """Best matches first, ranked among the RELEVANCE_WINDOW most recent matches, then the
    older matches newest first.

    Ranking every match of a broad word ("oak" in 60,000 of a million products) means reading
    and scoring them all, hundreds of milliseconds; the window bounds that work. The window
    (lowest and highest id) is fixed by the first page and carried in the cursor, so paging
    stays exact: every match present at the first page is listed once.
    """
    limit = params.limit

    async def fetch(page: str, **more: Any) -> Sequence[Row[Any]]:
        result = await connection.execute(_statement(replace(shape, page=page)), values | more)
        rows: Sequence[Row[Any]] = result.all()
        return rows

    rows: list[tuple[Row[Any], Any]] = []
    if params.cursor:
        rank_after, id_after, low, high = decode_cursor(params.cursor, ProductSort.RELEVANCE)
        if rank_after is not None:
            found = await fetch(
                "ranked", low=low, high=high, rank_after=rank_after, id_after=id_after
            )
            rows = [(row, row.rank) for row in found]
    else:
        rank_after, id_after = None, None
        found = await fetch("first", window=RELEVANCE_WINDOW)
        if not found:
            return Listed([], None)
        low, high = found[0].low, found[0].high
        rows = [(row, row.rank) for row in found]
    if len(rows) <= limit:
        older_than = id_after if id_after is not None and rank_after is None else low
        older = await fetch("older", older_than=older_than, limit=limit + 1 - len(rows))
        rows += [(row, None) for row in older]
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last, last_rank = page[-1]
        next_cursor = encode_cursor(ProductSort.RELEVANCE, [last_rank, last.id, low, high])
    return Listed([list_item(row) for row, _ in page], next_cursor)


_SORT_KEY: dict[ProductSort, Callable[[Row[Any]], Any]] = {
    ProductSort.PRICE_ASC: lambda row: row.price,
    ProductSort.PRICE_DESC: lambda row: row.price,
    ProductSort.NAME: lambda row: row.name,
    ProductSort.NEWEST: lambda row: row.created_at,
}


def _key_values(sort: ProductSort, row: Row[Any]) -> list[Any]:
    return [_SORT_KEY[sort](row), row.id]


def list_item(row: Sequence[Any]) -> dict[str, Any]:
    """A listed row (see LISTED) as the API shows it (a `ProductListItem`'s fields)."""
    (
        id_, name, slug, price, currency, stock, is_active, category_id, created_at,
        image_id, path, alt, width, height, position, content_type,
    ) = row[:16]  # fmt: skip
    thumbnail = None
    if image_id is not None:
        thumbnail = {
            "id": image_id,
            "url": f"/media/{path}",
            "alt": alt,
            "width": width,
            "height": height,
            "position": position,
            "content_type": content_type,
        }
    return {
        "id": id_,
        "name": name,
        "slug": slug,
        "price": price,
        "currency": currency,
        "in_stock": stock > 0,
        "stock": stock,
        "is_active": is_active,
        "category_id": category_id,
        "thumbnail": thumbnail,
        "created_at": created_at,
    }
