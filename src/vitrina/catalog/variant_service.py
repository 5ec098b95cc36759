"""Staff edits of a product's options and variants, and the variants as the API shows them.

Rules the database keeps too: a combination of option values once per product
(`product_variants.combination` unique per product), a SKU once (unique), a value used by a
variant cannot go (`variant_option_values.value_id` ON DELETE RESTRICT), a sold variant
stays (`order_items.variant_id` ON DELETE RESTRICT). The service checks first, so the
refusal names what blocks it.

A product without options is sold as its one default variant. Its first variant made with
options takes that default variant over (same id: baskets and order history keep pointing
at it); options can be added while no variant has values yet.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from sqlalchemy import delete, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog import variants as summary
from vitrina.catalog.models import (
    Product,
    ProductImage,
    ProductOption,
    ProductOptionValue,
    ProductVariant,
    VariantOptionValue,
)
from vitrina.catalog.schemas import OptionOut, OptionValueOut, VariantOut
from vitrina.catalog.slugs import slugify
from vitrina.catalog.variant_schemas import (
    OptionIn,
    OptionUpdate,
    OptionValueIn,
    OptionValueUpdate,
    VariantIn,
    VariantsOut,
    VariantUpdate,
)
from vitrina.errors import Conflict, NotFound, Unprocessable
from vitrina.kit.languages import Language

MAX_VARIANTS = 100
"""Variants per product (Shopify's limit): an option picker beyond that is no longer one."""


class ValueInUse(Conflict):
    """An option or value that variants use cannot go; `variants` names them (SKU and
    options), so a screen can say it in its own language."""

    def __init__(self, detail: str, variants: list[str]) -> None:
        super().__init__(detail)
        self.variants = variants


async def get_option(session: AsyncSession, product: Product, option_id: int) -> ProductOption:
    option = await session.get(ProductOption, option_id)
    if option is None or option.product_id != product.id:
        raise NotFound(f"Product {product.id} has no option {option_id}.")
    return option


async def get_variant(session: AsyncSession, product: Product, variant_id: int) -> ProductVariant:
    variant = await session.get(ProductVariant, variant_id)
    if variant is None or variant.product_id != product.id:
        raise NotFound(f"Product {product.id} has no variant {variant_id}.")
    return variant


async def _has_valued_variants(session: AsyncSession, product_id: int) -> bool:
    return bool(
        await session.scalar(
            select(
                exists().where(
                    ProductVariant.product_id == product_id, ProductVariant.combination != ""
                )
            )
        )
    )


def _value_slug(value: str) -> str:
    return slugify(value, fallback="value")[:100]


async def add_option(session: AsyncSession, product: Product, data: OptionIn) -> ProductOption:
    """A new option with its values. Refused (409) once variants are made of the options:
    they would each lack a value of it."""
    if await _has_valued_variants(session, product.id):
        raise Conflict(
            f"“{product.name}” already has variants made of its options; an option can only "
            "be added before its variants are made (delete them first)."
        )
    options = await summary.options_of(session, product.id)
    slug = slugify(data.name, fallback="option")[:100]
    if any(option.slug == slug for option in options):
        raise Conflict(f"“{product.name}” already has the option {data.name!r}.", field="name")
    option = ProductOption(
        product_id=product.id,
        name=data.name.strip(),
        name_en=data.name_en,
        name_ru=data.name_ru,
        slug=slug,
        position=len(options),
    )
    option.values = []
    session.add(option)
    await session.flush()
    for value in data.values:
        await add_value(session, option, value)
    return option


async def add_value(
    session: AsyncSession, option: ProductOption, data: OptionValueIn
) -> ProductOptionValue:
    slug = _value_slug(data.value)
    taken = await session.scalar(
        select(
            exists().where(
                ProductOptionValue.option_id == option.id, ProductOptionValue.slug == slug
            )
        )
    )
    if taken:
        raise Conflict(f"{option.name} already has the value {data.value!r}.", field="value")
    count = await session.scalar(
        select(func.count()).where(ProductOptionValue.option_id == option.id)
    )
    value = ProductOptionValue(
        option_id=option.id,
        value=data.value.strip(),
        value_en=data.value_en,
        value_ru=data.value_ru,
        slug=slug,
        position=int(count or 0),
    )
    session.add(value)
    await session.flush()
    return value


async def get_value(
    session: AsyncSession, option: ProductOption, value_id: int
) -> ProductOptionValue:
    value = await session.get(ProductOptionValue, value_id)
    if value is None or value.option_id != option.id:
        raise NotFound(f"Option {option.id} has no value {value_id}.")
    return value


async def update_option(
    session: AsyncSession, product: Product, option: ProductOption, data: OptionUpdate
) -> ProductOption:
    """Rename an option (its slug, the picker's and the filters' parameter, follows the
    name); 409 when another option of the product already has that name."""
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes:
        if changes["name"] is None:
            raise Unprocessable("name cannot be null.", field="name")
        slug = slugify(changes["name"], fallback="option")[:100]
        taken = await session.scalar(
            select(
                exists().where(
                    ProductOption.product_id == product.id,
                    ProductOption.slug == slug,
                    ProductOption.id != option.id,
                )
            )
        )
        if taken:
            raise Conflict(
                f"“{product.name}” already has the option {changes['name']!r}.", field="name"
            )
        option.slug = slug
        changes["name"] = changes["name"].strip()
    for key, value in changes.items():
        setattr(option, key, value)
    await session.flush()
    return option


async def update_value(
    session: AsyncSession, option: ProductOption, value_id: int, data: OptionValueUpdate
) -> ProductOptionValue:
    """Rename a value (its slug follows: 409 when the option has that value already) or
    move it to `position` among the option's values (the others keep their order)."""
    value = await get_value(session, option, value_id)
    changes = data.model_dump(exclude_unset=True)
    for required in ("value", "position"):
        if required in changes and changes[required] is None:
            raise Unprocessable(f"{required} cannot be null.", field=required)
    position = changes.pop("position", None)
    if "value" in changes:
        slug = _value_slug(changes["value"])
        taken = await session.scalar(
            select(
                exists().where(
                    ProductOptionValue.option_id == option.id,
                    ProductOptionValue.slug == slug,
                    ProductOptionValue.id != value.id,
                )
            )
        )
        if taken:
            raise Conflict(
                f"{option.name} already has the value {changes['value']!r}.", field="value"
            )
        value.slug = slug
        changes["value"] = changes["value"].strip()
    for key, text in changes.items():
        setattr(value, key, text)
    if position is not None:
        await _move_value(session, option, value, position)
    await session.flush()
    return value


async def _move_value(
    session: AsyncSession, option: ProductOption, value: ProductOptionValue, position: int
) -> None:
    ordered = list(
        await session.scalars(
            select(ProductOptionValue)
            .where(ProductOptionValue.option_id == option.id)
            .order_by(ProductOptionValue.position, ProductOptionValue.id)
        )
    )
    ordered.remove(value)
    ordered.insert(min(position, len(ordered)), value)
    for index, each in enumerate(ordered):
        each.position = index


async def _users_of(session: AsyncSession, value_ids: Sequence[int]) -> list[ProductVariant]:
    rows = await session.scalars(
        select(ProductVariant)
        .join(VariantOptionValue, VariantOptionValue.variant_id == ProductVariant.id)
        .where(VariantOptionValue.value_id.in_(value_ids))
        .order_by(ProductVariant.id)
        .distinct()
    )
    return list(rows)


async def _refuse_if_used(
    session: AsyncSession, product: Product, value_ids: Sequence[int], what: str
) -> None:
    users = await _users_of(session, value_ids)
    if not users:
        return
    options = await summary.options_of(session, product.id)
    loaded = await summary.get_variants_by_ids(session, [v.id for v in users])
    named = [
        f"{v.sku or f'variant {v.id}'} ({summary.option_text(v, options, 'en')})"
        for v in loaded.values()
    ]
    raise ValueInUse(
        f"{what} is used by {len(named)} variant(s): {', '.join(named)}. "
        "Delete or change them first.",
        named,
    )


async def delete_value(
    session: AsyncSession, product: Product, option: ProductOption, value_id: int
) -> None:
    """Delete a value no variant uses; otherwise 409 naming the variants that do."""
    value = await get_value(session, option, value_id)
    await _refuse_if_used(session, product, [value.id], f"{option.name} {value.value!r}")
    await session.delete(value)
    await session.flush()


async def delete_option(session: AsyncSession, product: Product, option: ProductOption) -> None:
    """Delete an option none of whose values a variant uses (409 naming them otherwise)."""
    value_ids = list(
        await session.scalars(
            select(ProductOptionValue.id).where(ProductOptionValue.option_id == option.id)
        )
    )
    await _refuse_if_used(session, product, value_ids, f"Option {option.name!r}")
    await session.delete(option)
    await session.flush()


def _combination(
    options: Sequence[ProductOption], value_ids: Sequence[int]
) -> tuple[str, list[int]]:
    """The combination key of one value per option, or 422 saying what is wrong."""
    owner = {value.id: option for option in options for value in option.values}
    unknown = [v for v in value_ids if v not in owner]
    if unknown:
        raise Unprocessable(f"Values {unknown} are not values of this product's options.")
    chosen = {owner[v].id for v in value_ids}
    if len(chosen) != len(value_ids) or len(chosen) != len(options):
        names = ", ".join(option.name for option in options) or "none"
        raise Unprocessable(f"Give exactly one value of each option ({names}).", field="values")
    ids = sorted(value_ids)
    return ",".join(str(v) for v in ids), ids


async def _check_sku(session: AsyncSession, sku: str | None, own_id: int | None) -> str | None:
    sku = (sku or "").strip() or None
    if sku is None:
        return None
    clash = exists().where(ProductVariant.sku == sku)
    if own_id is not None:
        clash = clash.where(ProductVariant.id != own_id)
    if await session.scalar(select(clash)):
        raise Conflict(f"Another variant already uses the SKU {sku!r}.", field="sku")
    return sku


async def _check_image(session: AsyncSession, product: Product, image_id: int | None) -> None:
    if image_id is None:
        return
    image = await session.get(ProductImage, image_id)
    if image is None or image.product_id != product.id:
        raise Unprocessable(f"Image {image_id} is not an image of this product.", field="image_id")


async def _flush(session: AsyncSession) -> None:
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict("Another variant already has this SKU or these option values.") from exc


async def add_variant(session: AsyncSession, product: Product, data: VariantIn) -> ProductVariant:
    """A variant of one value per option; 409 for a combination or SKU already taken."""
    options = await summary.options_of(session, product.id)
    combination, value_ids = _combination(options, data.values)
    existing = await summary.variants_of(session, product.id)
    same = [v for v in existing if v.combination == combination]
    if same:
        text = summary.option_text(same[0], options, "en") or "no options"
        raise Conflict(f"Variant {same[0].id} already is {text}.", field="values")
    if len(existing) >= MAX_VARIANTS:
        raise Unprocessable(f"A product has at most {MAX_VARIANTS} variants.")
    await _check_image(session, product, data.image_id)
    default = [v for v in existing if v.combination == ""]
    variant = default[0] if default and len(existing) == 1 and combination else None
    sku = await _check_sku(session, data.sku, variant.id if variant else None)
    fields = data.model_dump(exclude={"values", "sku"})
    if variant is None:
        variant = ProductVariant(product_id=product.id, **fields)
        session.add(variant)
    else:  # the default variant becomes the first with options: ids stay
        for key, value in fields.items():
            setattr(variant, key, value)
    variant.sku, variant.combination = sku, combination
    await _flush(session)
    session.add_all(VariantOptionValue(variant_id=variant.id, value_id=v) for v in value_ids)
    await _flush(session)
    await summary.refresh_summary(session, product)
    return variant


async def generate_variants(
    session: AsyncSession, product: Product, *, price: int | None = None, stock: int = 0
) -> list[ProductVariant]:
    """A variant for every combination of the product's option values that has none yet,
    at `price` (default: the product's "from" price) and `stock`, without SKU; returns the
    new ones (the default variant, when there is one, becomes the first)."""
    options = await summary.options_of(session, product.id)
    if not options or any(not option.values for option in options):
        raise Unprocessable("Give the product options, each with values, first.")
    existing = {v.combination for v in await summary.variants_of(session, product.id)}
    made: list[ProductVariant] = []
    position = len(existing)
    for values in itertools.product(*(option.values for option in options)):
        ids = [value.id for value in values]
        if ",".join(str(v) for v in sorted(ids)) in existing:
            continue
        if len(existing) - ("" in existing) + len(made) >= MAX_VARIANTS:
            raise Unprocessable(f"A product has at most {MAX_VARIANTS} variants.")
        data = VariantIn(
            values=ids,
            price=product.price if price is None else price,
            stock=stock,
            position=position + len(made),
        )
        made.append(await add_variant(session, product, data))
    return made


async def update_variants(
    session: AsyncSession, product: Product, changes: Sequence[tuple[int, VariantUpdate]]
) -> None:
    """Change several of the product's variants in one go (a bulk price or stock edit);
    any refusal leaves all of them as they were (the request's transaction rolls back)."""
    for variant_id, data in sorted(changes, key=lambda change: change[0]):
        variant = await get_variant(session, product, variant_id)
        await update_variant(session, product, variant, data, summarise=False)
    await summary.refresh_summary(session, product)


async def update_variant(
    session: AsyncSession,
    product: Product,
    variant: ProductVariant,
    data: VariantUpdate,
    *,
    summarise: bool = True,
) -> ProductVariant:
    changes = data.model_dump(exclude_unset=True)
    for required in ("price", "stock", "is_active", "position"):
        if required in changes and changes[required] is None:
            raise Unprocessable(f"{required} cannot be null.", field=required)
    if "sku" in changes:
        changes["sku"] = await _check_sku(session, changes["sku"], variant.id)
    if "image_id" in changes:
        await _check_image(session, product, changes["image_id"])
    for key, value in changes.items():
        setattr(variant, key, value)
    await _flush(session)
    if summarise:
        await summary.refresh_summary(session, product)
    return variant


async def delete_variant(session: AsyncSession, product: Product, variant: ProductVariant) -> None:
    """Delete a variant never sold (409: deactivate it); a product keeps at least one."""
    count = await session.scalar(
        select(func.count()).where(ProductVariant.product_id == product.id)
    )
    if int(count or 0) <= 1:
        raise Unprocessable(
            "A product is sold as at least one variant; deactivate the product instead."
        )
    try:
        async with session.begin_nested():
            await session.execute(
                delete(ProductVariant)
                .where(ProductVariant.id == variant.id)
                .execution_options(synchronize_session=False)
            )
    except IntegrityError as exc:
        raise Conflict(
            f"Variant {variant.sku or variant.id} has been ordered and cannot be deleted; "
            "deactivate it instead."
        ) from exc
    session.expunge(variant)
    await summary.refresh_summary(session, product)


async def variants_out(
    session: AsyncSession, product: Product, language: Language, *, staff: bool = False
) -> VariantsOut:
    """The product's options and variants in `language` (inactive variants for staff)."""
    options = await summary.options_of(session, product.id)
    found = await summary.variants_of(session, product.id)
    slug_of = {value.id: (option.slug, value.slug) for option in options for value in option.values}
    return VariantsOut(
        product_id=product.id,
        currency=product.currency,
        options=[
            OptionOut(
                id=option.id,
                name=summary.shown_name(option, language),
                slug=option.slug,
                values=[
                    OptionValueOut(
                        id=value.id, value=summary.shown_value(value, language), slug=value.slug
                    )
                    for value in option.values
                ],
            )
            for option in options
        ],
        variants=[
            VariantOut(
                id=v.id,
                sku=v.sku,
                price=v.price,
                compare_at_price=v.compare_at_price,
                stock=v.stock,
                in_stock=v.stock > 0,
                weight_grams=v.weight_grams,
                is_active=v.is_active,
                image_id=v.image_id,
                values=[value.id for value in v.values],
                options=summary.option_text(v, options, language),
                choice=dict(slug_of[value.id] for value in v.values if value.id in slug_of),
            )
            for v in found
            if staff or v.is_active
        ],
    )
