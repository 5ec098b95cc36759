"""Writing a planned variant CSV in set-based statements: each compiled once and executed
for chunks of rows (executemany), never a statement per row.

Order matters for the database's own rules: variants the file drops go first (their
option values are then free to go), new options and values next (their ids are read back
by key, one SELECT per chunk), then variants: those whose combination changes step aside
to a temporary one before any takes its new one (the combination is unique per product).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.bulk_writes import insert_rows, update_rows
from vitrina.catalog.csv_variant_plan import Existing, ProductPlan
from vitrina.catalog.csv_variant_rows import VariantRow, value_slug
from vitrina.catalog.models import (
    Product,
    ProductOption,
    ProductOptionValue,
    ProductVariant,
    VariantOptionValue,
)
from vitrina.kit.clock import utcnow

CHUNK = 5000
_options = cast(Table, ProductOption.__table__)
_values = cast(Table, ProductOptionValue.__table__)
_variants = cast(Table, ProductVariant.__table__)
_links = cast(Table, VariantOptionValue.__table__)
WRITTEN_TABLES = [cast(Table, Product.__table__), _options, _values, _variants, _links]
FIELDS = ("sku", "price", "compare_at_price", "stock", "weight_grams", "is_active")


async def _delete_in(session: AsyncSession, table: Table, column: Any, ids: list[int]) -> None:
    for start in range(0, len(ids), CHUNK):
        await session.execute(delete(table).where(column.in_(ids[start : start + CHUNK])))


async def _select_in(
    session: AsyncSession, columns: list[Any], key: Any, ids: list[int]
) -> list[Any]:
    found: list[Any] = []
    for start in range(0, len(ids), CHUNK):
        found.extend(
            await session.execute(select(*columns).where(key.in_(ids[start : start + CHUNK])))
        )
    return found


async def new_product_ids(session: AsyncSession, plans: list[ProductPlan]) -> None:
    """Point the new products' rows at the ids the INSERT gave them (by slug)."""
    new = {
        p.group.product.slugs["slug"]: p.group.product
        for p in plans
        if p.group.product.target_id is None
    }
    slugs = sorted(s for s in new if s)
    for start in range(0, len(slugs), CHUNK):
        chunk = slugs[start : start + CHUNK]
        for product_id, slug in await session.execute(
            select(Product.id, Product.slug).where(Product.slug.in_(chunk))
        ):
            new[slug].target_id = product_id


async def _write_options(
    session: AsyncSession, plans: list[ProductPlan], existing: Existing
) -> tuple[dict[tuple[int, str], int], list[int]]:
    """Add the options the file names that the products lack, rename those whose name
    changed; returns (product id, option slug) -> option id, and the options to drop."""
    added: list[dict[str, Any]] = []
    renamed: list[dict[str, Any]] = []
    dropped: list[int] = []
    for plan in plans:
        product_id = cast(int, plan.group.product.target_id)
        own = existing.options.get(product_id, {})
        position = max((p for _id, _name, p in own.values()), default=-1) + 1
        for slug, name in plan.group.options:
            if slug not in own:
                added.append(
                    {"product_id": product_id, "name": name, "slug": slug, "position": position}
                )
                position += 1
            elif own[slug][1] != name:
                renamed.append({"id": own[slug][0], "name": name})
        wanted = {slug for slug, _name in plan.group.options}
        dropped.extend(option_id for slug, (option_id, _n, _p) in own.items() if slug not in wanted)
    await insert_rows(session, _options, added)
    await update_rows(session, _options, renamed)
    ids = [cast(int, p.group.product.target_id) for p in plans if p.group.options]
    found = await _select_in(
        session, [_options.c.id, _options.c.product_id, _options.c.slug], _options.c.product_id, ids
    )
    return {(product_id, slug): option_id for option_id, product_id, slug in found}, dropped


async def _write_values(
    session: AsyncSession,
    plans: list[ProductPlan],
    existing: Existing,
    option_ids: dict[tuple[int, str], int],
) -> tuple[dict[tuple[int, str], int], list[int]]:
    """The same for option values, in the order the rows first give them."""
    wanted: dict[int, dict[str, str]] = {}
    for plan in plans:
        product_id = cast(int, plan.group.product.target_id)
        for row in plan.group.variants:
            for option, text in row.values:
                wanted.setdefault(option_ids[(product_id, option)], {}).setdefault(
                    value_slug(text), text
                )
    added: list[dict[str, Any]] = []
    renamed: list[dict[str, Any]] = []
    dropped: list[int] = []
    for option_id, values in wanted.items():
        own = existing.values.get(option_id, {})
        position = max((p for _id, _text, p in own.values()), default=-1) + 1
        for slug, text in values.items():
            if slug not in own:
                added.append(
                    {"option_id": option_id, "value": text, "slug": slug, "position": position}
                )
                position += 1
            elif own[slug][1] != text:
                renamed.append({"id": own[slug][0], "value": text})
    for option_id, own in existing.values.items():
        dropped.extend(v[0] for slug, v in own.items() if slug not in wanted.get(option_id, {}))
    await insert_rows(session, _values, added)
    await update_rows(session, _values, renamed)
    found = await _select_in(
        session,
        [_values.c.id, _values.c.option_id, _values.c.slug],
        _values.c.option_id,
        sorted(wanted),
    )
    return {(option_id, slug): value_id for value_id, option_id, slug in found}, dropped


def _combination(
    product_id: int,
    row: VariantRow,
    option_ids: dict[tuple[int, str], int],
    value_ids: dict[tuple[int, str], int],
) -> tuple[str, list[int]]:
    ids = sorted(value_ids[(option_ids[(product_id, o)], value_slug(v))] for o, v in row.values)
    return ",".join(str(i) for i in ids), ids


def _fields(row: VariantRow, image_id: int | None, position: int) -> dict[str, Any]:
    return {**{f: getattr(row, f) for f in FIELDS}, "image_id": image_id, "position": position}


async def write_variants(
    session: AsyncSession,
    plans: list[ProductPlan],
    existing: Existing,
    progress: Callable[[int], None],
) -> None:
    """Options, values, variants and their links as the file has them."""
    removed = sorted(v.id for plan in plans for v in plan.removed)
    await _delete_in(session, _variants, _variants.c.id, removed)
    option_ids, dropped_options = await _write_options(session, plans, existing)
    value_ids, dropped_values = await _write_values(session, plans, existing, option_ids)
    now = utcnow()
    changed: list[dict[str, Any]] = []
    added: list[dict[str, Any]] = []
    moved: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    new_links: list[tuple[int, str, list[int]]] = []
    for plan in plans:
        product_id = cast(int, plan.group.product.target_id)
        top = max((v.position for v in plan.matched if v is not None), default=-1)
        for index, (row, variant) in enumerate(zip(plan.group.variants, plan.matched, strict=True)):
            combination, ids = _combination(product_id, row, option_ids, value_ids)
            image = existing.images.get((product_id, row.image)) if row.image else None
            if plan.keep_positions:
                position = variant.position if variant is not None else (top := top + 1)
            else:
                position = index
            fields = _fields(row, image, position)
            if variant is None:
                added.append(
                    {
                        **fields,
                        "product_id": product_id,
                        "combination": combination,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                new_links.append((product_id, combination, ids))
                continue
            if variant.combination != combination:
                moved.append({"id": variant.id, "combination": f"~{variant.id}"})
                links.extend({"variant_id": variant.id, "value_id": i} for i in ids)
            if variant.combination != combination or any(
                getattr(variant, k) != v for k, v in fields.items()
            ):
                changed.append(
                    {**fields, "id": variant.id, "combination": combination, "updated_at": now}
                )
    progress(1)
    await update_rows(session, _variants, moved)
    await _delete_in(session, _links, _links.c.variant_id, [m["id"] for m in moved])
    await update_rows(session, _variants, changed)
    progress(2)
    await insert_rows(session, _variants, added)
    made = await _select_in(
        session,
        [_variants.c.id, _variants.c.product_id, _variants.c.combination],
        _variants.c.product_id,
        sorted({product_id for product_id, _c, _i in new_links}),
    )
    made_ids = {
        (product_id, combination): variant_id for variant_id, product_id, combination in made
    }
    for product_id, combination, ids in new_links:
        links.extend(
            {"variant_id": made_ids[(product_id, combination)], "value_id": i} for i in ids
        )
    await insert_rows(session, _links, links)
    await _delete_in(session, _values, _values.c.id, sorted(dropped_values))
    await _delete_in(session, _options, _options.c.id, sorted(dropped_options))
    progress(3)
