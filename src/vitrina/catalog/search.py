"""The product list: full-text search, filters, sorts and keyset pagination.

PostgreSQL searches `products.search_vector`, a stored generated `tsvector` (name weighted A,
description B) with a GIN index, made by migration 0003 and absent from the ORM model because
SQLite has no equivalent. SQLite falls back to LIKE over name and description. Either way
relevance puts name hits first.

Pages are keyset-paginated: the opaque cursor holds the sort key of the last row shown, so a
deep page costs what the first does and rows added meanwhile never shift or repeat a page.
No COUNT(*) is run: `total` is left out. Relevance ranks a bounded window of matches (see
`_relevance_page`) so that a broad word does not score half the catalog on every request.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from vitrina.catalog.categories import descendant_ids
from vitrina.catalog.cursors import decode_cursor, encode_cursor
from vitrina.catalog.models import Product
from vitrina.catalog.schemas import (
    ImageOut,
    ProductListItem,
    ProductPage,
    ProductQuery,
    ProductSort,
)

TEXT_SEARCH_CONFIG = "english"
SEARCH_VECTOR = literal_column("products.search_vector", type_=TSVECTOR)
RELEVANCE_WINDOW = 500
CUSTOM_PLANS = text(
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true),"
    " set_config('max_parallel_workers_per_gather', '0', true)"
)
"""For this transaction: a text search matches one product or half the catalog, so plan each
with its own values (a cached generic plan would guess, and scan a million rows for a rare
word); and no parallel workers, whose start-up costs more than the bounded work they share."""
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class _Order:
    keys: tuple[ColumnElement[Any] | InstrumentedAttribute[Any], ...]
    descending: bool


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text_filter(dialect: str, q: str) -> tuple[ColumnElement[bool], ColumnElement[Any]]:
    """The WHERE condition and the relevance expression for a search query."""
    if dialect == "postgresql":
        query = func.websearch_to_tsquery(literal_column(f"'{TEXT_SEARCH_CONFIG}'"), q)
        name_hit = func.ts_filter(SEARCH_VECTOR, literal_column("'{a}'")).op("@@")(query)
        rank = func.ts_rank(SEARCH_VECTOR, query, 32) + case((name_hit, 1.0), else_=0.0)
        return SEARCH_VECTOR.op("@@")(query), rank
    words = [w.lower() for w in _WORD.findall(q)][:20]
    conditions = []
    name_hits: list[ColumnElement[int]] = []
    for word in words:
        pattern = f"%{_escape_like(word)}%"
        in_name = func.lower(Product.name).like(pattern, escape="\\")
        in_description = func.lower(Product.description).like(pattern, escape="\\")
        conditions.append(or_(in_name, in_description))
        name_hits.append(case((in_name, 1), else_=0))
    return and_(*conditions), sum(name_hits, literal(0))


def _order_for(sort: ProductSort) -> _Order:
    if sort is ProductSort.PRICE_ASC:
        return _Order((Product.price, Product.id), descending=False)
    if sort is ProductSort.PRICE_DESC:
        return _Order((Product.price, Product.id), descending=True)
    if sort is ProductSort.NAME:
        return _Order((Product.name, Product.id), descending=False)
    return _Order((Product.created_at, Product.id), descending=True)


def effective_query(params: ProductQuery) -> str | None:
    """The search text, or None when it holds no word to search for."""
    if params.q is None:
        return None
    q = params.q.replace("\x00", " ").strip()
    return q if _WORD.search(q) else None


async def _filtered(session: AsyncSession, params: ProductQuery, query: Select[Any]) -> Select[Any]:
    if not params.include_inactive:
        query = query.where(Product.is_active.is_(True))
    if params.category:
        ids = await descendant_ids(session, params.category)
        query = query.where(
            Product.category_id == ids[0] if len(ids) == 1 else Product.category_id.in_(ids)
        )
    if params.min_price is not None:
        query = query.where(Product.price >= params.min_price)
    if params.max_price is not None:
        query = query.where(Product.price <= params.max_price)
    if params.in_stock:
        query = query.where(Product.stock > 0)
    return query


async def search_products(session: AsyncSession, params: ProductQuery) -> ProductPage:
    """One page of products: one query for the rows, one for their images."""
    dialect = session.get_bind().dialect.name
    q = effective_query(params)
    rank: ColumnElement[Any] | None = None
    query: Select[Any] = select(Product)
    if q is not None:
        condition, rank = _text_filter(dialect, q)
        query = query.where(condition)
        if dialect == "postgresql":
            await session.execute(CUSTOM_PLANS)
    sort = params.sort or (ProductSort.RELEVANCE if q is not None else ProductSort.NEWEST)
    if sort is ProductSort.RELEVANCE and rank is None:
        sort = ProductSort.NEWEST
    query = await _filtered(session, params, query)
    if sort is ProductSort.RELEVANCE and rank is not None:
        return await _relevance_page(session, params, query, rank)
    order = _order_for(sort)
    if params.cursor:
        values = decode_cursor(params.cursor, sort)
        row, after = tuple_(*order.keys), tuple_(*(literal(v) for v in values))
        query = query.where(row < after if order.descending else row > after)
    ordering = [k.desc() if order.descending else k.asc() for k in order.keys]
    if params.include_inactive:
        query = _merge_active_and_inactive(query, ordering, params.limit + 1)
    query = query.order_by(*ordering)
    query = query.limit(params.limit + 1).options(selectinload(Product.images))
    rows = (await session.execute(query)).all()
    page = rows[: params.limit]
    next_cursor = None
    if len(rows) > params.limit:
        last = page[-1]
        next_cursor = encode_cursor(sort, _key_values(sort, last[0]))
    return ProductPage(items=[list_item(r[0]) for r in page], next_cursor=next_cursor)


def _merge_active_and_inactive(
    query: Select[Any], ordering: Sequence[ColumnElement[Any]], limit: int
) -> Select[Any]:
    """Staff lists take the first rows of the active and of the inactive products, each in
    index order (the listing indexes lead with is_active), and merge those few; sorting the
    whole table instead costs a scan of every row."""
    branches = [
        query.where(Product.is_active.is_(state))
        .with_only_columns(Product.id)
        .order_by(*ordering)
        .limit(limit)
        .subquery()
        for state in (True, False)
    ]
    first_ids = union_all(*(select(branch.c.id) for branch in branches)).subquery()
    return select(Product).join(first_ids, first_ids.c.id == Product.id)


async def _relevance_page(
    session: AsyncSession, params: ProductQuery, base: Select[Any], rank: ColumnElement[Any]
) -> ProductPage:
    """Best matches first, ranked among the RELEVANCE_WINDOW most recent matches, then the
    older matches newest first.

    Ranking every match of a broad word ("oak" in 60,000 of a million products) means reading
    and scoring them all, hundreds of milliseconds; the window bounds that work. The window
    (lowest and highest id) is fixed by the first page and carried in the cursor, so paging
    stays exact: every match present at the first page is listed once.
    """
    limit = params.limit
    rows: list[tuple[Product, Any]] = []
    if params.cursor:
        rank_after, id_after, low, high = decode_cursor(params.cursor, ProductSort.RELEVANCE)
        if rank_after is not None:
            ranked = base.add_columns(rank.label("rank")).where(
                Product.id.between(low, high),
                tuple_(rank, Product.id) < tuple_(literal(rank_after), literal(id_after)),
            )
            rows = await _ranked(session, ranked, rank, limit)
    else:
        rank_after, id_after = None, None
        window = (
            base.with_only_columns(Product.id)
            .order_by(Product.id.desc())
            .limit(RELEVANCE_WINDOW)
            .subquery("window")
        )
        first = select(
            Product,
            rank.label("rank"),
            func.min(window.c.id).over().label("low"),
            func.max(window.c.id).over().label("high"),
        ).join(window, window.c.id == Product.id)
        result = await session.execute(
            first.order_by(rank.desc(), Product.id.desc())
            .limit(limit + 1)
            .options(selectinload(Product.images))
        )
        found = result.all()
        if not found:
            return ProductPage(items=[], next_cursor=None)
        low, high = found[0].low, found[0].high
        rows = [(row[0], row[1]) for row in found]
    if len(rows) <= limit:
        older_than = id_after if id_after is not None and rank_after is None else low
        older = base.where(Product.id < older_than).order_by(Product.id.desc())
        older = older.limit(limit + 1 - len(rows)).options(selectinload(Product.images))
        rows += [(product, None) for product in await session.scalars(older)]
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        product, product_rank = page[-1]
        values = [product_rank, product.id, low, high]
        next_cursor = encode_cursor(ProductSort.RELEVANCE, values)
    return ProductPage(items=[list_item(p) for p, _ in page], next_cursor=next_cursor)


async def _ranked(
    session: AsyncSession, query: Select[Any], rank: ColumnElement[Any], limit: int
) -> list[tuple[Product, Any]]:
    query = query.order_by(rank.desc(), Product.id.desc()).limit(limit + 1)
    result = await session.execute(query.options(selectinload(Product.images)))
    return [(row[0], row[1]) for row in result]


def _key_values(sort: ProductSort, product: Product) -> list[Any]:
    first: Any = {
        ProductSort.PRICE_ASC: product.price,
        ProductSort.PRICE_DESC: product.price,
        ProductSort.NAME: product.name,
        ProductSort.NEWEST: product.created_at,
    }[sort]
    return [first, product.id]


def list_item(product: Product) -> ProductListItem:
    images = product.images
    return ProductListItem(
        id=product.id,
        name=product.name,
        slug=product.slug,
        price=product.price,
        currency=product.currency,
        in_stock=product.stock > 0,
        stock=product.stock,
        is_active=product.is_active,
        category_id=product.category_id,
        thumbnail=ImageOut.of(images[0]) if images else None,
        created_at=product.created_at,
    )
