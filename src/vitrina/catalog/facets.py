"""Counting a list's matches and grouping them by category and price range, cheaply.

One statement: the matches (the list's own conditions) up to a cap, then their counts per
category (named in the shopper's language) and per price range. The cap keeps the cost
bounded on a million products: 10,000 matches for a filter or category (an index or
sequential scan stops there: ~1-6 ms), 1,000 for a text search (each match is a heap fetch
and a recheck of its search vector: ~7 ms at the cap, where 10,000 took 36-135 ms). Past the
cap the total reads "1,000+" and the facet counts are counts among the first matches.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam, case, func, literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from vitrina.catalog.list_statements import Shape, conditions
from vitrina.catalog.models import (
    Category,
    Product,
    ProductOption,
    ProductOptionValue,
    ProductVariant,
    VariantOptionValue,
)
from vitrina.catalog.schemas import CategoryFacet, Facets, OptionFacet, PriceFacet, ProductSort
from vitrina.catalog.translations import shown
from vitrina.kit.money import minor_unit_exponent
from vitrina.reads import fetch

COUNT_CAP = 10_000
SEARCH_COUNT_CAP = 1_000
PRICE_STEPS = (10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000)
"""Price range bounds in major units (10.00, 25.00, ...); only ranges with matches show."""

_p = Product.__table__.c
_categories = Category.__table__


def cap_for(shape: Shape) -> int:
    return SEARCH_COUNT_CAP if shape.words else COUNT_CAP


@lru_cache(maxsize=256)
def facet_statement(shape: Shape) -> Select[Any]:
    """Rows (kind, key, name, slug, count): kind 'c' per category, 'p' per price range."""
    matched = (
        select(_p.id, _p.category_id, _p.price, _p.has_options)
        .where(*conditions(shape))
        .limit(bindparam("cap", type_=Integer))
        .cte("matched")
    )
    steps = [bindparam(f"step{n}", type_=Integer) for n in range(len(PRICE_STEPS))]
    price_range = case(
        *((matched.c.price < step, n) for n, step in enumerate(steps)), else_=len(steps)
    )
    by_category = (
        select(
            literal("c").label("kind"),
            _categories.c.id.label("key"),
            shown(_categories, "name", shape.language),
            shown(_categories, "slug", shape.language),
            func.count().label("count"),
        )
        .select_from(matched.join(_categories, _categories.c.id == matched.c.category_id))
        .group_by(_categories.c.id)
    )
    by_price = select(
        literal("p").label("kind"),
        price_range.label("key"),
        null().label("name"),
        null().label("slug"),
        func.count().label("count"),
    ).group_by(price_range)
    return select(union_all(by_category, by_price, _by_option(matched)).subquery())


def _by_option(matched: Any) -> Select[Any]:
    """Matches per (option, value) of their active variants; products made of options only."""
    v, vov = ProductVariant.__table__.c, VariantOptionValue.__table__.c
    o, ov = ProductOption.__table__.c, ProductOptionValue.__table__.c
    joined = (
        matched.join(ProductVariant.__table__, v.product_id == matched.c.id)
        .join(VariantOptionValue.__table__, vov.variant_id == v.id)
        .join(ProductOptionValue.__table__, ov.id == vov.value_id)
        .join(ProductOption.__table__, o.id == ov.option_id)
    )
    return (
        select(
            literal("o").label("kind"),
            null().label("key"),
            o.slug.label("name"),
            ov.slug.label("slug"),
            func.count(func.distinct(matched.c.id)).label("count"),
        )
        .select_from(joined)
        .where(matched.c.has_options.is_(True), v.is_active.is_(True))
        .group_by(o.slug, ov.slug)
    )


def _bounds(currency: str) -> list[int]:
    scale = 10 ** minor_unit_exponent(currency)
    return [step * scale for step in PRICE_STEPS]


async def count_and_facets(
    connection: AsyncConnection, shape: Shape, values: dict[str, Any], currency: str
) -> tuple[int, bool, Facets]:
    """(total, capped, facets) for the list `shape` with `values` bound."""
    cap = cap_for(shape)
    general = replace(shape, sort=ProductSort.NEWEST, page="first")
    bounds = _bounds(currency)
    bound = {f"step{n}": step for n, step in enumerate(bounds)}
    rows = await fetch(connection, facet_statement(general), values | bound | {"cap": cap + 1})
    categories = sorted(
        (
            CategoryFacet(id=r["key"], name=r["name"], slug=r["slug"], count=r["count"])
            for r in rows
            if r["kind"] == "c"
        ),
        key=lambda facet: (-facet.count, facet.name),
    )
    prices = [
        PriceFacet(
            min_price=bounds[r["key"] - 1] if r["key"] > 0 else None,
            max_price=bounds[r["key"]] if r["key"] < len(bounds) else None,
            count=r["count"],
        )
        for r in sorted((r for r in rows if r["kind"] == "p"), key=lambda r: r["key"])
    ]
    options = sorted(
        (
            OptionFacet(option=r["name"], value=r["slug"], count=r["count"])
            for r in rows
            if r["kind"] == "o"
        ),
        key=lambda facet: (facet.option, -facet.count, facet.value),
    )
    matched = sum(facet.count for facet in categories)
    facets = Facets(categories=categories, prices=prices, options=options)
    return min(matched, cap), matched > cap, facets
