"""Products: what other features call (get, lock, stock) and what staff change.

Services flush and never commit. Every staff change that Stripe must learn (name, description,
price, active flag) calls `product.mark_for_sync()` in the same transaction; a new product
starts pending (sync_version 1 > synced_version 0).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

import structlog
from sqlalchemy import BigInteger, bindparam, cast, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from vitrina.catalog import variants
from vitrina.catalog.categories import breadcrumb
from vitrina.catalog.models import Category, Product, ProductImage, ProductVariant
from vitrina.catalog.schemas import (
    ImageOut,
    ProductCreate,
    ProductOut,
    ProductQuery,
    ProductUpdate,
    StaffProductOut,
)
from vitrina.catalog.search import list_products, search_products
from vitrina.catalog.slugs import as_id, check_slug, slugify, unique_slug
from vitrina.catalog.translations import (
    TRANSLATION_FIELDS,
    apply_translations,
    normalised,
    slug_columns,
    slugs_of,
    stored_texts,
)
from vitrina.catalog.variant_reads import variant_choices
from vitrina.catalog.words import record_words
from vitrina.config import get_settings
from vitrina.errors import Conflict, NotFound, Unprocessable
from vitrina.kit.languages import LANGUAGES, Language
from vitrina.payments.sync.tombstones import record_product_delete

log = structlog.get_logger(__name__)

__all__ = [
    "ProductQuery",
    "adjust_stock",
    "create_product",
    "delete_product",
    "get_product",
    "get_products_by_ids",
    "list_products",
    "lock_products",
    "product_out",
    "search_products",
    "set_stock",
    "update_product",
]

MAX_STOCK = 2_000_000_000
SYNCED_FIELDS = frozenset({"name", "description", "price", "is_active"})
SLUGS = slug_columns(Product.__table__)


def _slug_is(key: int | str) -> Any:
    return or_(*(column == key for column in SLUGS))


async def get_product(
    session: AsyncSession, id_or_slug: int | str, *, staff: bool = False
) -> Product:
    """A product by id or slug (in any language), with its images. Inactive products exist
    only for staff."""
    query = select(Product).options(selectinload(Product.images))
    product_id = as_id(id_or_slug)
    if product_id is not None:
        query = query.where(Product.id == product_id)
    else:
        query = query.where(_slug_is(id_or_slug))
    product = await session.scalar(query)
    if product is None or (not product.is_active and not staff):
        raise NotFound(f"Product {id_or_slug!r} not found.")
    return product


async def get_products_by_ids(
    session: AsyncSession, ids: Iterable[int], *, with_images: bool = True
) -> dict[int, Product]:
    """The products that exist among `ids` (active or not), with their images unless
    `with_images` is False (one statement fewer)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = _PRODUCTS_WITH_IMAGES if with_images else _PRODUCTS
    rows = await session.scalars(query, {"ids": wanted})
    return {p.id: p for p in rows}


_PRODUCTS = select(Product).where(Product.id.in_(bindparam("ids", expanding=True)))
_PRODUCTS_WITH_IMAGES = _PRODUCTS.options(selectinload(Product.images))
"""Built once: a basket change reads its product with the first (building cost more than
running)."""


async def lock_products(session: AsyncSession, ids: Iterable[int]) -> dict[int, Product]:
    """Lock the rows for the rest of the transaction, in id order so that lockers never deadlock.

    PostgreSQL takes `SELECT ... FOR UPDATE`; on SQLite the same statement takes the
    database's one write lock (`kit/sqlite_writes.py`). The returned objects are refreshed from
    the locked rows.
    """
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = (
        select(Product)
        .where(Product.id.in_(wanted))
        .order_by(Product.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    rows = await session.scalars(query)
    return {p.id: p for p in rows}


async def _stock_variant(session: AsyncSession, product: Product) -> ProductVariant:
    variant = await variants.only_variant(session, product.id)
    if variant is None:
        raise Unprocessable(
            f"{product.name!r} is sold in several variants: change each variant's stock."
        )
    return variant


async def adjust_stock(session: AsyncSession, product: Product, delta: int, reason: str) -> int:
    """Add `delta` (negative to take) to the stock of the product's only variant atomically;
    never below zero (409). A product of several variants is refused (422).

    The check and the change are one UPDATE, so concurrent adjustments cannot oversell.
    Returns the new quantity, also set on `product`.
    """
    variant = await _stock_variant(session, product)
    after = cast(ProductVariant.stock, BigInteger) + delta
    new_stock = await session.scalar(
        update(ProductVariant)
        .where(ProductVariant.id == variant.id, after >= 0, after <= MAX_STOCK)
        .values(stock=ProductVariant.stock + delta)
        .returning(ProductVariant.stock)
        .execution_options(synchronize_session=False)
    )
    if new_stock is None and delta > 0:
        raise Conflict(f"Stock of {product.name!r} cannot exceed {MAX_STOCK}.")
    if new_stock is None:
        raise Conflict(
            f"Not enough stock of {product.name!r}: cannot take {-delta} "
            f"(in stock: {await _current_stock(session, variant.id)})."
        )
    await variants.refresh_stock(session, [product.id])
    set_committed_value(variant, "stock", new_stock)
    set_committed_value(product, "stock", new_stock)
    log.info("stock_adjusted", product_id=product.id, delta=delta, stock=new_stock, reason=reason)
    return new_stock


async def _current_stock(session: AsyncSession, variant_id: int) -> int:
    return (
        await session.scalar(select(ProductVariant.stock).where(ProductVariant.id == variant_id))
        or 0
    )


async def set_stock(session: AsyncSession, product: Product, quantity: int, reason: str) -> int:
    if quantity < 0:
        raise Unprocessable("Stock cannot be negative.")
    variant = await _stock_variant(session, product)
    await session.execute(
        update(ProductVariant)
        .where(ProductVariant.id == variant.id)
        .values(stock=quantity)
        .execution_options(synchronize_session=False)
    )
    await variants.refresh_stock(session, [product.id])
    set_committed_value(variant, "stock", quantity)
    set_committed_value(product, "stock", quantity)
    log.info("stock_set", product_id=product.id, stock=quantity, reason=reason)
    return quantity


async def _check_category(session: AsyncSession, category_id: int) -> None:
    if await session.get(Category, category_id) is None:
        raise Unprocessable(f"Category {category_id} does not exist.")


async def _slug_for(
    session: AsyncSession, name: str, wanted: str | None, self_id: int | None
) -> str:
    """`wanted` checked, or one made from `name`; unique among every language's slugs."""
    if wanted is None:
        base = slugify(name, fallback="product")
        return await unique_slug(session, SLUGS, base, exclude_id=self_id)
    slug = check_slug(wanted)
    clash = exists().where(_slug_is(slug))
    if self_id is not None:
        clash = clash.where(Product.id != self_id)
    if await session.scalar(select(clash)):
        raise Conflict(f"Another product already uses the slug {slug!r}.", field="slug")
    return slug


async def _check_sku(session: AsyncSession, sku: str | None, self_id: int | None) -> str | None:
    sku = (sku or "").strip() or None
    if sku is None:
        return None
    clash = exists().where(ProductVariant.sku == sku)
    if self_id is not None:
        clash = clash.where(ProductVariant.product_id != self_id)
    if await session.scalar(select(clash)):
        raise Conflict(f"Another product already uses the SKU {sku!r}.", field="sku")
    return sku


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict("Another product already uses this slug or SKU.") from exc


def _names(product: Product) -> list[str | None]:
    return [product.name, *(getattr(product, f"name_{language}") for language in LANGUAGES)]


async def create_product(session: AsyncSession, data: ProductCreate) -> Product:
    changes = normalised(data.model_dump(exclude_unset=True), get_settings().store_language)
    name = changes.get("name") or data.name
    await _check_category(session, data.category_id)
    product = Product(
        name=name,
        slug=await _slug_for(session, name, changes.get("slug"), None),
        sku=await _check_sku(session, data.sku, None),
        description=changes.get("description") or "",
        price=data.price,
        currency=get_settings().store_currency,
        stock=data.stock,
        is_active=data.is_active,
        category_id=data.category_id,
        weight_grams=data.weight_grams,
        ships_to=data.ships_to,
        tax_class=data.tax_class,
    )
    product.images = []
    session.add(product)
    await _flush(session)  # its default variant is made in the same flush (catalog.variants)
    await apply_translations(product, changes, partial(_slug_for, session))
    await _flush(session)
    await record_words(session, _names(product))
    return product


async def _lock_for_change(session: AsyncSession, product: Product, *, delete: bool) -> None:
    """Lock the row for the rest of the transaction and reload its columns from it.

    Concurrent staff changes of one product then run one after the other, each seeing the
    other's committed `sync_version` (`mark_for_sync()` increments in Python), so versions
    strictly increase. An edit takes `FOR NO KEY UPDATE` (it does not block rows referencing
    the product, e.g. basket items); a delete needs `FOR UPDATE`. On SQLite either takes the
    database's one write lock (`kit/sqlite_writes.py`).
    """
    columns = [c.key for c in Product.__mapper__.column_attrs]
    await session.refresh(
        product, attribute_names=columns, with_for_update={"key_share": not delete}
    )


async def update_product(session: AsyncSession, product: Product, data: ProductUpdate) -> Product:
    """Apply the fields sent. A null for a required field is refused, not ignored.

    The row is locked first, so a concurrent change is applied on top of this one, not lost.
    """
    changes = normalised(data.model_dump(exclude_unset=True), get_settings().store_language)
    required_fields = ("name", "category_id", "price", "stock", "is_active", "description")
    for required in (*required_fields, "weight_grams", "tax_class"):
        if required in changes and changes[required] is None:
            raise Unprocessable(f"{required} cannot be null.")
    if "category_id" in changes:
        await _check_category(session, changes["category_id"])
    await _lock_for_change(session, product, delete=False)
    if "slug" in changes:
        wanted = changes.pop("slug")
        product.slug = await _slug_for(
            session, changes.get("name", product.name), wanted, product.id
        )
    if "sku" in changes:
        changes["sku"] = await _check_sku(session, changes["sku"], product.id)
    sold: dict[str, Any] = {
        field: changes[field]
        for field in ("sku", "price", "stock")
        if field in changes and changes[field] != getattr(product, field)
    }
    if sold and await variants.only_variant(session, product.id) is None:
        raise Unprocessable(
            f"{product.name!r} is sold in several variants: change the SKU, price and stock "
            "of each variant."
        )
    if "sku" in changes:
        product.sku = changes.pop("sku")
    translations = {key: changes.pop(key) for key in TRANSLATION_FIELDS if key in changes}
    needs_sync = False
    for field, value in changes.items():
        if getattr(product, field) != value:
            setattr(product, field, value)
            needs_sync = needs_sync or field in SYNCED_FIELDS
    await apply_translations(product, translations, partial(_slug_for, session))
    if needs_sync:
        product.mark_for_sync()
    await _flush(session)
    if "name" in changes or translations:
        await record_words(session, _names(product))
    return product


async def set_active(session: AsyncSession, product: Product, active: bool) -> Product:
    return await update_product(session, product, ProductUpdate(is_active=active))


async def delete_product(session: AsyncSession, product: Product) -> list[str]:
    """Delete a product never ordered; returns its image paths so the caller can remove files.

    An ordered product is history (order lines point at it, ON DELETE RESTRICT, so the
    database refuses): it is deactivated instead (409).
    If Stripe may hold the product, a tombstone written in this transaction carries the
    "archive it in Stripe" intent past the row (docs/stripe-sync.md).
    """
    await _lock_for_change(session, product, delete=True)
    paths = [image.path for image in await _images(session, product.id)]
    try:
        async with session.begin_nested():
            await record_product_delete(session, product)
            await session.delete(product)
            await session.flush()
    except IntegrityError as exc:  # order lines keep it (ON DELETE RESTRICT)
        raise Conflict(
            f"Product {product.slug!r} has been ordered and cannot be deleted; "
            "deactivate it instead."
        ) from exc
    return paths


async def _images(session: AsyncSession, product_id: int) -> Sequence[ProductImage]:
    return (
        await session.scalars(
            select(ProductImage)
            .where(ProductImage.product_id == product_id)
            .order_by(ProductImage.position, ProductImage.id)
        )
    ).all()


async def product_out(
    session: AsyncSession, product: Product, *, staff: bool, language: Language | None = None
) -> ProductOut:
    """The product page's data in `language` (default: the store's): images and the
    category breadcrumb (images must be loaded)."""
    store = get_settings().store_language
    language = language or store
    texts = stored_texts(product, store)
    slugs = slugs_of(texts, product.slug)
    fields = {
        "id": product.id,
        "name": texts[f"name_{language}"] or product.name,
        "slug": slugs[language],
        "sku": product.sku,
        "description": texts[f"description_{language}"] or product.description,
        "price": product.price,
        "price_max": product.price_max,
        "currency": product.currency,
        "stock": product.stock,
        "in_stock": product.stock > 0,
        "is_active": product.is_active,
        "category_id": product.category_id,
        "breadcrumb": await breadcrumb(session, product.category_id, language),
        "images": [ImageOut.of(i) for i in product.images],
        "created_at": product.created_at,
        "updated_at": product.updated_at,
        "language": language,
        "slugs": slugs,
    }
    if product.has_options:
        fields["options"], fields["variants"] = await variant_choices(
            session, product.id, language, staff=staff
        )
    if not staff:
        return ProductOut(**fields)
    return StaffProductOut(
        **fields,
        **texts,
        sync_state=product.sync_state,
        sync_error=product.sync_error,
        stripe_id=product.stripe_id,
        stripe_price_id=product.stripe_price_id,
        weight_grams=product.weight_grams,
        ships_to=product.ships_to,
        tax_class=product.tax_class,
    )
