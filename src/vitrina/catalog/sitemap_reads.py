"""What the sitemap lists, read by primary-key ranges so that a million products stay cheap.

The sitemap index needs only the highest product id (one index lookup); each products
sitemap is one range of ids (`lowest < id <= highest`, a primary-key range scan), so no
request counts or offsets through the table, and a file's URLs stay put as products come
and go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, func, select

from vitrina.catalog.models import Category, Product
from vitrina.catalog.translations import slugs_of
from vitrina.db import Executor
from vitrina.kit.languages import LANGUAGES, Language
from vitrina.reads import fetch

_p = Product.__table__.c
_c = Category.__table__.c

HIGHEST_ID = select(func.max(_p.id).label("highest"))
PRODUCTS_IN_RANGE = (
    select(_p.slug, *(_p[f"slug_{language}"] for language in LANGUAGES), _p.updated_at)
    .where(
        _p.is_active.is_(True),
        _p.id > bindparam("lowest"),
        _p.id <= bindparam("highest"),
    )
    .order_by(_p.id)
)
CATEGORIES = select(_c.slug, _c.updated_at).order_by(_c.id)


@dataclass(frozen=True)
class Listed:
    slug: str
    updated_at: datetime
    slugs: dict[Language, str] = field(default_factory=dict)
    """A product's slug in each language (its page's address in that language), the main
    slug where a language has none; empty for categories, whose pages use the main slug."""


async def highest_product_id(executor: Executor) -> int:
    rows = await fetch(executor, HIGHEST_ID, {})
    return int(rows[0]["highest"] or 0) if rows else 0


async def products_in_id_range(executor: Executor, lowest: int, highest: int) -> list[Listed]:
    """Products for sale with `lowest < id <= highest`, by id, with their slug per language."""
    rows = await fetch(executor, PRODUCTS_IN_RANGE, {"lowest": lowest, "highest": highest})
    return [Listed(row["slug"], row["updated_at"], slugs_of(row, row["slug"])) for row in rows]


async def all_categories(executor: Executor) -> list[Listed]:
    rows = await fetch(executor, CATEGORIES, {})
    return [Listed(row["slug"], row["updated_at"]) for row in rows]
