"""The public product page: the product with its images in one statement, then its breadcrumb.

Both statements are Core, built once per language with bound parameters, and read plain rows:
this is the store's busiest page, and building an ORM query and hydrating entities for it
cost more than the database's own work. A slug in any language finds the product (they are
unique across languages); the page answers in the asked language with its canonical slug
there and the slugs of the others. Staff screens that change a product load the entity
instead (`service.get_product`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, or_, select

from vitrina.catalog.categories import breadcrumb
from vitrina.catalog.list_statements import IMAGE_COLUMNS, image_of
from vitrina.catalog.models import Product, ProductImage
from vitrina.catalog.schemas import ImageOut, ProductOut, StaffProductOut
from vitrina.catalog.slugs import as_id
from vitrina.catalog.translations import (
    TRANSLATION_FIELDS,
    shown,
    slug_columns,
    slugs_of,
    stored_texts,
)
from vitrina.catalog.variant_reads import variant_choices
from vitrina.config import get_settings
from vitrina.db import Executor
from vitrina.errors import NotFound
from vitrina.kit.languages import LANGUAGES, Language
from vitrina.kit.stripe_sync import sync_state_of
from vitrina.reads import Row, fetch

_products = Product.__table__
_images = ProductImage.__table__


def _page_statement(by_id: bool, language: Language, staff: bool) -> Select[Any]:
    """One row per image (one row with NULL image columns when there is none). Staff also
    get the stored text of every language and the Stripe sync columns."""
    p, i = _products.c, _images.c
    key: Any = bindparam("key")
    where = p.id == key if by_id else or_(*(column == key for column in SLUGS))
    staff_only = (
        (
            p.name.label("main_name"),
            p.description.label("main_description"),
            *(p[field] for field in TRANSLATION_FIELDS if not field.startswith("slug_")),
            p.sync_version,
            p.synced_version,
            p.sync_error,
            p.stripe_id,
            p.stripe_price_id,
        )
        if staff
        else ()
    )
    return (
        select(
            p.id,
            shown(_products, "name", language),
            shown(_products, "description", language),
            *SLUGS,
            p.sku,
            p.price,
            p.price_max,
            p.has_options,
            p.currency,
            p.stock,
            p.is_active,
            p.category_id,
            p.created_at,
            p.updated_at,
            *staff_only,
            *IMAGE_COLUMNS,
        )
        .select_from(_products.outerjoin(_images, i.product_id == p.id))
        .where(where)
        .order_by(i.position, i.id)
    )


SLUGS = slug_columns(_products)
STATEMENTS = {
    (by_id, language, staff): _page_statement(by_id, language, staff)
    for by_id in (True, False)
    for language in LANGUAGES
    for staff in (True, False)
}


class _Stored:
    """A staff row read by attribute as `stored_texts` reads an entity."""

    def __init__(self, row: Row) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        return self._row[f"main_{name}" if name in ("name", "description") else name]


async def product_page(
    executor: Executor, id_or_slug: str, *, staff: bool, language: Language | None = None
) -> ProductOut:
    """A product by id or slug as its page shows it in `language` (default: the store's);
    inactive ones exist only for staff."""
    store = get_settings().store_language
    language = language or store
    product_id = as_id(id_or_slug)
    key: int | str = id_or_slug if product_id is None else product_id
    statement = STATEMENTS[product_id is not None, language, staff]
    rows = await fetch(executor, statement, {"key": key})
    if not rows or (not rows[0]["is_active"] and not staff):
        raise NotFound(f"Product {id_or_slug!r} not found.")
    first = rows[0]
    slugs = slugs_of(first, first["slug"])
    fields: dict[str, Any] = {
        name: first[name]
        for name in (
            "id", "sku", "price", "price_max", "currency", "stock", "is_active", "category_id",
            "created_at", "updated_at",
        )
    }  # fmt: skip
    fields["name"] = first["name"]
    fields["description"] = first["description"]
    fields["slug"] = slugs[language]
    fields["language"] = language
    fields["slugs"] = slugs
    fields["in_stock"] = first["stock"] > 0
    fields["breadcrumb"] = await breadcrumb(executor, first["category_id"], language)
    fields["images"] = [ImageOut(**image) for row in rows if (image := image_of(row))]
    if first["has_options"]:
        fields["options"], fields["variants"] = await variant_choices(
            executor, first["id"], language, staff=staff
        )
    if not staff:
        return ProductOut(**fields)
    return StaffProductOut(
        **fields,
        **stored_texts(_Stored(first), store),
        sync_state=sync_state_of(
            first["sync_version"], first["synced_version"], first["sync_error"]
        ),
        sync_error=first["sync_error"],
        stripe_id=first["stripe_id"],
        stripe_price_id=first["stripe_price_id"],
    )
