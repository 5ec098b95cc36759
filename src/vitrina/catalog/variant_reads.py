"""A product's options and variants as its page shows them: one Core statement, built once
per language and run as a prebuilt read (`reads.fetch`), read only for a product made of
options (`products.has_options`), so the page of a one-variant product costs no more than
before.

The statement walks options -> values -> the variants that use each value: one row per
(value, variant using it), and one row with no variant for a value nothing uses (the
picker still shows it, disabled). Each variant thus comes once per option; its fields are
read from its first row. Rows are turned into the response's models without validation
(`model_construct`): they are the database's own typed columns.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, bindparam, func, select

from vitrina.catalog.models import (
    ProductOption,
    ProductOptionValue,
    ProductVariant,
    VariantOptionValue,
)
from vitrina.catalog.schemas import OptionOut, OptionValueOut, VariantOut
from vitrina.db import Executor
from vitrina.kit.languages import LANGUAGES, Language
from vitrina.reads import fetch

_o = ProductOption.__table__
_ov = ProductOptionValue.__table__
_v = ProductVariant.__table__
_vov = VariantOptionValue.__table__


def _choices_statement(language: Language) -> Select[Any]:
    o, ov, v, vov = _o.c, _ov.c, _v.c, _vov.c
    return (
        select(
            o.id.label("option_id"),
            func.coalesce(o[f"name_{language}"], o.name).label("name"),
            o.slug.label("option_slug"),
            ov.id.label("value_id"),
            func.coalesce(ov[f"value_{language}"], ov.value).label("value"),
            ov.slug.label("value_slug"),
            v.id.label("variant_id"),
            v.position.label("variant_position"),
            v.sku,
            v.price,
            v.compare_at_price,
            v.stock,
            v.weight_grams,
            v.is_active,
            v.image_id,
        )
        .select_from(
            _o.join(_ov, ov.option_id == o.id)
            .outerjoin(_vov, vov.value_id == ov.id)
            .outerjoin(_v, v.id == vov.variant_id)
        )
        .where(o.product_id == bindparam("product_id"))
        .order_by(o.position, o.id, ov.position, ov.id)
    )


CHOICES = {language: _choices_statement(language) for language in LANGUAGES}


async def variant_choices(
    executor: Executor, product_id: int, language: Language, *, staff: bool
) -> tuple[list[OptionOut], list[VariantOut]]:
    """The product's options (with values, in order) and its variants (active ones, all for
    staff, in their order), in `language`."""
    options: dict[int, OptionOut] = {}
    values: dict[int, OptionValueOut] = {}
    variants: dict[int, VariantOut] = {}
    sort_key: dict[int, tuple[int, int]] = {}
    for row in await fetch(executor, CHOICES[language], {"product_id": product_id}):
        option = options.get(row["option_id"])
        if option is None:
            option = options[row["option_id"]] = OptionOut.model_construct(
                id=row["option_id"], name=row["name"], slug=row["option_slug"], values=[]
            )
        value = values.get(row["value_id"])
        if value is None:
            value = values[row["value_id"]] = OptionValueOut.model_construct(
                id=row["value_id"], value=row["value"], slug=row["value_slug"]
            )
            option.values.append(value)
        variant_id = row["variant_id"]
        if variant_id is None or not (row["is_active"] or staff):
            continue
        variant = variants.get(variant_id)
        if variant is None:
            variant = variants[variant_id] = _variant(row)
            sort_key[variant_id] = (row["variant_position"], variant_id)
        variant.values.append(value.id)
        variant.choice[option.slug] = value.slug
        variant.options += f"{', ' if variant.options else ''}{option.name}: {value.value}"
    ordered = sorted(variants.values(), key=lambda variant: sort_key[variant.id])
    return list(options.values()), ordered


def _variant(row: Any) -> VariantOut:
    return VariantOut.model_construct(
        id=row["variant_id"],
        sku=row["sku"],
        price=row["price"],
        compare_at_price=row["compare_at_price"],
        stock=row["stock"],
        in_stock=row["stock"] > 0,
        weight_grams=row["weight_grams"],
        is_active=row["is_active"],
        image_id=row["image_id"],
        values=[],
        options="",
        choice={},
    )


__all__ = ["variant_choices"]
