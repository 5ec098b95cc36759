"""The public product page: the product with its images in one statement, then its breadcrumb.

Both statements are Core, built once with bound parameters, and read plain rows: this is the
store's busiest page, and building an ORM query and hydrating entities for it cost more than
the database's own work. Staff screens that change a product load the entity instead
(`service.get_product`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, select

from vitrina.catalog.categories import breadcrumb
from vitrina.catalog.list_statements import IMAGE_COLUMNS, image_of
from vitrina.catalog.models import Product, ProductImage
from vitrina.catalog.schemas import ImageOut, ProductOut, StaffProductOut
from vitrina.catalog.slugs import as_id
from vitrina.db import Executor
from vitrina.errors import NotFound
from vitrina.kit.stripe_sync import sync_state_of
from vitrina.reads import fetch

_products = Product.__table__
_images = ProductImage.__table__


def _page_statement(key: ColumnElement[Any]) -> Select[Any]:
    """One row per image (one row with NULL image columns when there is none)."""
    p, i = _products.c, _images.c
    return (
        select(
            p.id,
            p.name,
            p.slug,
            p.sku,
            p.description,
            p.price,
            p.currency,
            p.stock,
            p.is_active,
            p.category_id,
            p.created_at,
            p.updated_at,
            p.sync_version,
            p.synced_version,
            p.sync_error,
            p.stripe_id,
            p.stripe_price_id,
            *IMAGE_COLUMNS,
        )
        .select_from(_products.outerjoin(_images, i.product_id == p.id))
        .where(key == bindparam("key"))
        .order_by(i.position, i.id)
    )


BY_ID = _page_statement(_products.c.id)
BY_SLUG = _page_statement(_products.c.slug)


async def product_page(executor: Executor, id_or_slug: str, *, staff: bool) -> ProductOut:
    """A product by id or slug as its page shows it; inactive ones exist only for staff."""
    product_id = as_id(id_or_slug)
    statement, key = (BY_SLUG, id_or_slug) if product_id is None else (BY_ID, product_id)
    rows = await fetch(executor, statement, {"key": key})
    if not rows or (not rows[0]["is_active"] and not staff):
        raise NotFound(f"Product {id_or_slug!r} not found.")
    first = rows[0]
    fields: dict[str, Any] = {
        name: first[name]
        for name in (
            "id", "name", "slug", "sku", "description", "price", "currency", "stock",
            "is_active", "category_id", "created_at", "updated_at",
        )
    }  # fmt: skip
    fields["in_stock"] = first["stock"] > 0
    fields["breadcrumb"] = await breadcrumb(executor, first["category_id"])
    fields["images"] = [ImageOut(**image) for row in rows if (image := image_of(row))]
    if not staff:
        return ProductOut(**fields)
    return StaffProductOut(
        **fields,
        sync_state=sync_state_of(
            first["sync_version"], first["synced_version"], first["sync_error"]
        ),
        sync_error=first["sync_error"],
        stripe_id=first["stripe_id"],
        stripe_price_id=first["stripe_price_id"],
    )
