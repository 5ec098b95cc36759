"""What a CSV of one row per variant changes: the products' options, values and variants
as they are, each file row matched to the variant it updates, and every refusal by line.

A product in the file is described whole: its options, values and variants become the
file's. A row updates the product's variant with its SKU, else the one with its
combination, else the product's default variant (a product without options becoming one
with them keeps that variant's id, as the API does), else it makes a new variant. A
variant the file no longer has is deleted, which a sold one refuses (its order lines
point at it): the file must keep its row (inactive, if it is no longer sold).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.csv_variant_rows import ProductGroup, VariantRow
from vitrina.catalog.models import ProductImage, ProductOption, ProductOptionValue, ProductVariant
from vitrina.catalog.schemas import ImportRowError
from vitrina.orders.models import OrderItem

LOOKUP_CHUNK = 5000
Key = frozenset[tuple[str, str]]


@dataclass
class Existing:
    """The options, values, variants and images of the products the file updates."""

    options: dict[int, dict[str, tuple[int, str, int]]] = field(default_factory=dict)
    """product id -> option slug -> (id, name, position)"""
    values: dict[int, dict[str, tuple[int, str, int]]] = field(default_factory=dict)
    """option id -> value slug -> (id, text, position)"""
    value_key: dict[int, tuple[str, str]] = field(default_factory=dict)
    """value id -> (option slug, value slug)"""
    variants: dict[int, list[Any]] = field(default_factory=dict)
    images: dict[tuple[int, str], int] = field(default_factory=dict)

    def key_of(self, variant: Any) -> Key:
        ids = (int(v) for v in variant.combination.split(",") if v)
        return frozenset(self.value_key[i] for i in ids if i in self.value_key)


@dataclass
class ProductPlan:
    group: ProductGroup
    matched: list[Any | None]
    """The existing variant each row updates (None: a new one)."""
    removed: list[Any]
    keep_positions: bool


async def _chunked(session: AsyncSession, build: Any, keys: Iterable[Any]) -> list[Any]:
    wanted = sorted(set(keys))
    found: list[Any] = []
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        statement: Select[Any] = build(wanted[start : start + LOOKUP_CHUNK])
        found.extend(await session.execute(statement))
    return found


async def load_existing(session: AsyncSession, product_ids: list[int]) -> Existing:
    existing = Existing()
    options = await _chunked(
        session,
        lambda ids: select(
            ProductOption.id, ProductOption.product_id, ProductOption.slug,
            ProductOption.name, ProductOption.position,
        ).where(ProductOption.product_id.in_(ids)),
        product_ids,
    )  # fmt: skip
    option_slug = {}
    for option_id, product_id, slug, name, position in options:
        existing.options.setdefault(product_id, {})[slug] = (option_id, name, position)
        option_slug[option_id] = slug
    values = await _chunked(
        session,
        lambda ids: select(
            ProductOptionValue.id, ProductOptionValue.option_id, ProductOptionValue.slug,
            ProductOptionValue.value, ProductOptionValue.position,
        ).where(ProductOptionValue.option_id.in_(ids)),
        option_slug,
    )  # fmt: skip
    for value_id, option_id, slug, text, position in values:
        existing.values.setdefault(option_id, {})[slug] = (value_id, text, position)
        existing.value_key[value_id] = (option_slug[option_id], slug)
    variants = await _chunked(
        session,
        lambda ids: select(ProductVariant.__table__).where(ProductVariant.product_id.in_(ids)),
        product_ids,
    )
    for variant in sorted(variants, key=lambda v: (v.position, v.id)):
        existing.variants.setdefault(variant.product_id, []).append(variant)
    images = await _chunked(
        session,
        lambda ids: select(ProductImage.id, ProductImage.product_id, ProductImage.path).where(
            ProductImage.product_id.in_(ids)
        ),
        product_ids,
    )
    existing.images = {(product_id, path): image_id for image_id, product_id, path in images}
    return existing


def _match(group: ProductGroup, variants: list[Any], existing: Existing) -> ProductPlan:
    rows = group.variants
    matched: list[Any | None] = [None] * len(rows)
    by_sku = {v.sku: v for v in variants if v.sku}
    claimed: set[int] = set()
    for i, row in enumerate(rows):
        found = by_sku.get(row.sku) if row.sku else None
        if found is not None:
            matched[i] = found
            claimed.add(found.id)
    by_key = {existing.key_of(v): v for v in variants}
    for i, row in enumerate(rows):
        found = by_key.get(row.key)
        if matched[i] is None and found is not None and found.id not in claimed:
            matched[i] = found
            claimed.add(found.id)
    defaults = [v for v in variants if v.combination == "" and v.id not in claimed]
    for i in range(len(rows)):
        if matched[i] is None and defaults:
            default = defaults.pop(0)
            matched[i] = default
            claimed.add(default.id)
    kept = [v for v in matched if v is not None]
    last_kept = max((i for i, v in enumerate(matched) if v is not None), default=-1)
    in_order = kept == sorted(kept, key=lambda v: (v.position, v.id))
    appended = all(v is not None for v in matched[: last_kept + 1])
    return ProductPlan(
        group=group,
        matched=matched,
        removed=[v for v in variants if v.id not in claimed],
        keep_positions=in_order and appended,
    )


def _described(variant: Any, existing: Existing) -> str:
    text = ", ".join(f"{o}: {v}" for o, v in sorted(existing.key_of(variant)))
    return f"{variant.sku or f'variant {variant.id}'} ({text or 'no options'})"


async def _sold(session: AsyncSession, variant_ids: list[int]) -> set[int]:
    rows = await _chunked(
        session,
        lambda ids: select(OrderItem.variant_id).where(OrderItem.variant_id.in_(ids)).distinct(),
        variant_ids,
    )
    return {variant_id for (variant_id,) in rows}


async def _sku_owners(session: AsyncSession, skus: list[str]) -> dict[str, int]:
    rows = await _chunked(
        session,
        lambda chunk: select(ProductVariant.sku, ProductVariant.product_id).where(
            ProductVariant.sku.in_(chunk)
        ),
        skus,
    )
    return {sku: product_id for sku, product_id in rows}


def _row_problems(
    row: VariantRow, product_id: int | None, owners: dict[str, int], existing: Existing
) -> list[str]:
    problems = []
    owner = owners.get(row.sku or "")
    if owner is not None and owner != product_id:
        problems.append(f"variant_sku {row.sku!r} is already another product's (id {owner})")
    if row.image is not None and (product_id or 0, row.image) not in existing.images:
        problems.append(
            f"variant_image {row.image!r} is not an image of this product (add it first)"
        )
    return problems


async def plan_products(
    session: AsyncSession, groups: list[ProductGroup]
) -> tuple[list[ProductPlan], Existing, list[ImportRowError]]:
    """Match every row and collect what refuses the file (SKUs of other products, images
    the product lacks, sold variants the file would delete)."""
    targets = [g.product.target_id for g in groups if g.product.target_id is not None]
    existing = await load_existing(session, targets)
    owners = await _sku_owners(session, [v.sku for g in groups for v in g.variants if v.sku])
    plans = [
        _match(g, existing.variants.get(g.product.target_id or 0, []), existing) for g in groups
    ]
    sold = await _sold(session, [v.id for plan in plans for v in plan.removed])
    errors: dict[int, list[str]] = {}
    for plan in plans:
        product_id = plan.group.product.target_id
        for row in plan.group.variants:
            problems = _row_problems(row, product_id, owners, existing)
            if problems:
                errors.setdefault(row.line, []).extend(problems)
        for variant in plan.removed:
            if variant.id in sold:
                errors.setdefault(plan.group.product.line, []).append(
                    f"variant {_described(variant, existing)} has been sold, so it stays: "
                    "keep its row with its option values (variant_is_active false stops "
                    "selling it)"
                )
    report = [ImportRowError(line=line, errors=e) for line, e in sorted(errors.items())]
    return plans, existing, report


def summarise(group: ProductGroup) -> None:
    """The product's summary of its variants, as `variants.refresh_summary` keeps it."""
    rows = group.variants
    active = [v for v in rows if v.is_active] or rows
    low, high = min(v.price for v in active), max(v.price for v in active)
    product = group.product
    product.price = low
    product.stock = sum(v.stock for v in rows if v.is_active)
    product.sku = rows[0].sku if len(rows) == 1 else None
    product.extra = {"price_max": high if high > low else None, "has_options": bool(group.options)}
