"""The product list's SQL: Core statements built once per *shape* and kept.

A shape is what a statement depends on besides its values: which filters are present, the
sort, whether a text search is involved (and on SQLite, how many words), and which page
(first, after a cursor, or a phase of the relevance listing). `statement(shape)` builds it on
first use with bound parameters; `search.py` binds the request's values. Building a
statement and computing its cache key cost more than running it, on the busiest request.

PostgreSQL searches `products.search_vector`, a stored generated `tsvector` (every language's
name weighted A, description B, through the `russian` configuration: Russian stems for
Cyrillic words, English ones for ASCII words) with a GIN index, made by the migrations and
absent from the ORM model because SQLite has no equivalent. SQLite falls back to LIKE over
the same text, lower-cased by Python (`vitrina_lower`: SQLite's own lower() knows only
ASCII), each word cut to its Snowball stem (`stems.py`). Either way relevance puts name hits
first. Names and slugs are read in the shopper's language (`translations.shown`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    any_,
    bindparam,
    case,
    exists,
    func,
    literal,
    literal_column,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR

from vitrina.catalog.models import (
    Product,
    ProductImage,
    ProductOption,
    ProductOptionValue,
    ProductVariant,
    VariantOptionValue,
)
from vitrina.catalog.schemas import ProductSort, image_fields
from vitrina.catalog.translations import shown
from vitrina.kit.languages import LANGUAGES, Language
from vitrina.reads import Row

TEXT_SEARCH_CONFIG = "russian"
SEARCH_VECTOR = literal_column("products.search_vector", type_=TSVECTOR)
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
IMAGE_COLUMNS = (
    _i.id.label("image_id"),
    _i.path.label("image_path"),
    _i.alt.label("image_alt"),
    _i.width.label("image_width"),
    _i.height.label("image_height"),
    _i.position.label("image_position"),
    _i.content_type.label("image_content_type"),
)
"""An image joined to a product row (the list's thumbnail, the page's images); read back by
`image_of`."""


def image_of(row: Row) -> dict[str, Any] | None:
    """The `ImageOut` fields of a row selecting IMAGE_COLUMNS; None when it joined no image."""
    if row["image_id"] is None:
        return None
    return image_fields(
        row["image_id"],
        row["image_path"],
        row["image_alt"],
        row["image_width"],
        row["image_height"],
        row["image_position"],
        row["image_content_type"],
    )


def listed_columns(language: Language) -> tuple[ColumnElement[Any], ...]:
    """What a list shows, in `language`, the thumbnail (first image) joined in the same query."""
    return (
        _p.id,
        shown(_products, "name", language),
        shown(_products, "slug", language),
        _p.price,
        _p.price_max,
        _p.currency,
        _p.stock,
        _p.is_active,
        _p.category_id,
        _p.created_at,
        *IMAGE_COLUMNS,
    )


def shown_name(language: Language) -> ColumnElement[Any]:
    """The name a list in `language` sorts by (indexed: ix_products_active_name_<lang>)."""
    return func.coalesce(_p[f"name_{language}"], _p.name)


def _lowered(*columns: ColumnElement[Any]) -> ColumnElement[Any]:
    """SQLite: the columns' text joined and lower-cased by Python (Unicode-aware)."""
    joined = columns[0]
    for column in columns[1:]:
        joined = joined.op("||")(" ").op("||")(func.coalesce(column, ""))
    return func.vitrina_lower(joined)


_SQLITE_NAMES = _lowered(_p.name, *(_p[f"name_{language}"] for language in LANGUAGES))
_SQLITE_TEXT = _lowered(
    _p.name,
    *(_p[f"name_{language}"] for language in LANGUAGES),
    _p.description,
    *(_p[f"description_{language}"] for language in LANGUAGES),
)
_LIMIT = bindparam("limit", type_=Integer)


Page = Literal["first", "after", "ranked", "older"]
"""Which page a statement reads: the first, one after a cursor, or in a relevance listing a
later page of the ranked window ("ranked") or the matches older than it ("older")."""


@dataclass(frozen=True)
class Shape:
    """What a list statement depends on besides its values; one statement per shape."""

    dialect: str
    language: Language
    words: int  # 0: no text search; PostgreSQL: 1 (the whole query); SQLite: LIKEs per word
    sort: ProductSort
    categories: int  # 0: any category, 1: one, 2: several
    min_price: bool
    max_price: bool
    in_stock: bool
    include_inactive: bool
    page: Page = "first"
    options: int = 0  # option filters (?size=m&colour=red): one variant must have them all


@dataclass(frozen=True)
class _Order:
    keys: tuple[ColumnElement[Any], ...]
    descending: bool


def _tsquery() -> ColumnElement[Any]:
    return func.websearch_to_tsquery(
        literal_column(f"'{TEXT_SEARCH_CONFIG}'"), bindparam("q", type_=String)
    )


def _word_patterns(shape: Shape) -> list[ColumnElement[Any]]:
    return [bindparam(f"word{n}", type_=String) for n in range(shape.words)]


def _text_filter(shape: Shape) -> ColumnElement[bool]:
    """The WHERE condition for a search query."""
    if shape.dialect == "postgresql":
        return SEARCH_VECTOR.op("@@")(_tsquery())
    return and_(*(_SQLITE_TEXT.like(pattern, escape="\\") for pattern in _word_patterns(shape)))


def _rank_source(shape: Shape) -> ColumnElement[Any]:
    """What relevance is computed from: the search vector, or on SQLite the names."""
    return SEARCH_VECTOR if shape.dialect == "postgresql" else _SQLITE_NAMES


def _rank(shape: Shape, source: ColumnElement[Any]) -> ColumnElement[Any]:
    """Relevance from `source` (see `_rank_source`); name hits always first."""
    if shape.dialect == "postgresql":
        query = _tsquery()
        name_hit = func.ts_filter(source, literal_column("'{a}'")).op("@@")(query)
        return func.ts_rank(source, query, 32) + case((name_hit, 1.0), else_=0.0)
    hits = [
        case((source.like(pattern, escape="\\"), 1), else_=0) for pattern in _word_patterns(shape)
    ]
    return sum(hits, literal(0))


def conditions(shape: Shape) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if not shape.include_inactive:
        conditions.append(_p.is_active.is_(True))
    if shape.categories == 1:
        conditions.append(_p.category_id == bindparam("category_id", type_=Integer))
    elif shape.categories > 1 and shape.dialect == "postgresql":
        # One statement for any number of ids (an IN list is rendered per count).
        ids = bindparam("category_ids", type_=ARRAY(Integer))
        conditions.append(_p.category_id == any_(ids))
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
    if shape.options:
        conditions.append(_chosen_options(shape))
    return conditions


def _chosen_options(shape: Shape) -> ColumnElement[bool]:
    """An active variant (in stock, when asked) has the value `valueN` of the option
    `optionN` for every N (both by slug). Only products made of options are looked into."""
    v, vov = ProductVariant.__table__.c, VariantOptionValue.__table__.c
    o, ov = ProductOption.__table__.c, ProductOptionValue.__table__.c
    chosen = [
        exists()
        .where(
            vov.variant_id == v.id,
            ov.id == vov.value_id,
            o.id == ov.option_id,
            o.slug == bindparam(f"option{n}", type_=String),
            ov.slug == bindparam(f"value{n}", type_=String),
        )
        .correlate_except(VariantOptionValue, ProductOptionValue, ProductOption)
        for n in range(shape.options)
    ]
    variant = exists().where(v.product_id == _p.id, v.is_active.is_(True), *chosen)
    if shape.in_stock:
        variant = variant.where(v.stock > 0)
    return and_(_p.has_options.is_(True), variant.correlate_except(ProductVariant))


def _order_for(sort: ProductSort, language: Language) -> _Order:
    if sort is ProductSort.PRICE_ASC:
        return _Order((_p.price, _p.id), descending=False)
    if sort is ProductSort.PRICE_DESC:
        return _Order((_p.price, _p.id), descending=True)
    if sort is ProductSort.NAME:
        return _Order((shown_name(language), _p.id), descending=False)
    return _Order((_p.created_at, _p.id), descending=True)


def _listed(query: Select[Any], language: Language) -> Select[Any]:
    """`query` (over products) selecting the listed columns and the thumbnail."""
    return query.with_only_columns(*listed_columns(language)).outerjoin_from(
        _products, _images, _i.id == _FIRST_IMAGE
    )


@lru_cache(maxsize=1024)
def statement(shape: Shape) -> Select[Any]:
    """The statement for a shape, built on first use and kept: building one and computing
    its cache key cost more than binding values to it."""
    base = select(_p.id).where(*conditions(shape))
    if shape.sort is ProductSort.RELEVANCE:
        return _relevance_statement(shape, base)
    order = _order_for(shape.sort, shape.language)
    if shape.page == "after":
        key_type = String() if shape.sort is ProductSort.NAME else order.keys[0].type
        after = tuple_(bindparam("after_key", type_=key_type), bindparam("after_id", type_=Integer))
        keys = tuple_(*order.keys)
        base = base.where(keys < after if order.descending else keys > after)
    ordering = [k.desc() if order.descending else k.asc() for k in order.keys]
    if shape.include_inactive:
        query = _merge_active_and_inactive(base, ordering, shape.language)
    else:
        query = _listed(base, shape.language)
    return query.order_by(*ordering).limit(_LIMIT)


def _merge_active_and_inactive(
    query: Select[Any], ordering: Sequence[Any], language: Language
) -> Select[Any]:
    """Staff lists take the first rows of the active and of the inactive products, each in
    index order (the listing indexes lead with is_active), and merge those few; sorting the
    whole table instead costs a scan of every row."""
    branches = [
        query.where(_p.is_active.is_(state)).order_by(*ordering).limit(_LIMIT).subquery()
        for state in (True, False)
    ]
    first_ids = union_all(*(select(branch.c.id) for branch in branches)).subquery()
    listed = _listed(select(_p.id), language)
    return listed.join_from(_products, first_ids, first_ids.c.id == _p.id)


def _window(shape: Shape, base: Select[Any]) -> Any:
    """The RELEVANCE_WINDOW most recent matches (id, rank source).

    On PostgreSQL a word the planner has no statistics for (a misspelling, a rare word) is
    estimated at about half a percent of the catalogue, so it would walk the primary key
    backwards expecting to meet 500 matches soon, and read all of a million rows (1.3 s)
    when there are none. So the window is read in two parts: the matches among the newest
    `slice` ids (an early-stopping walk there is bounded by the slice), and only if those are
    fewer than the window, the older matches through the full-text index (`id + 0` takes the
    primary key's order away, so the planner gathers matches instead of walking): sparse
    words have few matches, and absent ones none."""
    limit = bindparam("window", type_=Integer)
    source = _rank_source(shape).label("source")
    if shape.dialect != "postgresql":
        return base.add_columns(source).order_by(_p.id.desc()).limit(limit).subquery("window")
    floor = select(func.max(_p.id)).scalar_subquery() - bindparam("slice", type_=Integer)
    recent = (
        base.add_columns(source).where(_p.id > floor).order_by(_p.id.desc()).limit(limit)
    ).cte("recent")
    found = select(func.count()).select_from(recent).scalar_subquery()
    older = (
        base.add_columns(source)
        .where(_p.id <= floor, found < limit)
        .order_by((_p.id + 0).desc())
        .limit(limit)
        .subquery("older")
    )
    both = union_all(select(recent.c.id, recent.c.source), select(older.c.id, older.c.source))
    parts = both.subquery("parts")
    return (
        select(parts.c.id, parts.c.source)
        .order_by(parts.c.id.desc())
        .limit(limit)
        .subquery("window")
    )


def _relevance_statement(shape: Shape, base: Select[Any]) -> Select[Any]:
    """The three phases of `_relevance_page`: the first page of the window, a later page of
    it (by rank), and the matches older than the window (newest first).

    The first page ranks the window's rows as the window query read them (no second read of
    500 rows) and joins the listed columns and thumbnails for the page's rows only."""
    if shape.page == "older":
        older = base.where(_p.id < bindparam("older_than", type_=Integer))
        return _listed(older, shape.language).order_by(_p.id.desc()).limit(_LIMIT)
    if shape.page == "ranked":
        rank = _rank(shape, _rank_source(shape))
        ranked = _listed(base, shape.language).add_columns(rank.label("rank"))
        ranked = ranked.where(
            _p.id.between(bindparam("low", type_=Integer), bindparam("high", type_=Integer)),
            tuple_(rank, _p.id) < tuple_(bindparam("rank_after"), bindparam("id_after")),
        )
        return ranked.order_by(rank.desc(), _p.id.desc()).limit(_LIMIT)
    window = _window(shape, base)
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
        _listed(select(_p.id), shape.language)
        .add_columns(best.c.rank, best.c.low, best.c.high)
        .join_from(_products, best, best.c.id == _p.id)
    )
    return first.order_by(best.c.rank.desc(), _p.id.desc())
