"""The admin makes a product's variants from its options, through the same service."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from admin.helpers import admin_login, admin_post
from vitrina.accounts.models import User
from vitrina.audit.models import AuditEntry
from vitrina.catalog.models import Product, ProductVariant
from vitrina.catalog.variant_schemas import OptionIn, OptionValueIn
from vitrina.catalog.variant_service import add_option
from vitrina.catalog.variants import options_of


async def test_make_a_variant_of_each_combination(
    client: httpx.AsyncClient, staff: User, make_product, session: AsyncSession
) -> None:
    shirt = await make_product(name="Shirt", price=2500, stock=3)
    for name, values in (("Size", ("S", "M", "L")), ("Colour", ("red", "blue"))):
        await add_option(
            session, shirt, OptionIn(name=name, values=[OptionValueIn(value=v) for v in values])
        )
    await session.commit()
    await admin_login(client, staff)
    response = await admin_post(client, f"/admin/product/action/generate-variants?pks={shirt.id}")
    assert response.status_code == 302
    count = await session.scalar(select(func.count()).where(ProductVariant.product_id == shirt.id))
    assert count == 6
    again = await admin_post(client, f"/admin/product/action/generate-variants?pks={shirt.id}")
    assert again.status_code == 302
    assert (
        await session.scalar(select(func.count()).where(ProductVariant.product_id == shirt.id)) == 6
    )
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "generate_variants"))
    assert entry is not None and entry.actor_id == staff.id


async def _variants(session: AsyncSession, product_id: int) -> list[ProductVariant]:
    session.expire_all()
    rows = await session.scalars(
        select(ProductVariant)
        .where(ProductVariant.product_id == product_id)
        .order_by(ProductVariant.position, ProductVariant.id)
    )
    return list(rows)


async def test_options_values_and_variants_edited_on_one_page(
    client: httpx.AsyncClient, staff: User, make_product, session: AsyncSession
) -> None:
    shirt = await make_product(name="Polo", price=2500, stock=3)
    shirt_id = shirt.id
    await admin_login(client, staff)
    page = f"/admin/product/variants/{shirt_id}"
    assert (await client.get(page)).status_code == 200

    added = await admin_post(
        client, page, {"operation": "add_option", "name": "Size", "values": "S, M, L"}
    )
    assert added.status_code == 303
    options = await options_of(session, shirt_id)
    size = options[0]
    assert [v.value for v in size.values] == ["S", "M", "L"]
    s, m, large = (v.id for v in size.values)
    size_id = size.id

    renamed = await admin_post(
        client,
        page,
        {"operation": "rename_value", "option_id": size_id, "value_id": large, "value": "Large",
         "value_ru": "Большой"},
    )  # fmt: skip
    assert renamed.status_code == 303
    moved = await admin_post(
        client, page, {"operation": "value_up", "option_id": size_id, "value_id": large}
    )
    assert moved.status_code == 303
    session.expire_all()
    size = (await options_of(session, shirt_id))[0]
    assert [(v.value, v.slug) for v in size.values] == [("S", "s"), ("Large", "large"), ("M", "m")]
    assert size.values[1].value_ru == "Большой"

    made = await admin_post(
        client, page, {"operation": "generate", "generate_price": "30.50", "generate_stock": "4"}
    )
    assert made.status_code == 303
    variants = await _variants(session, shirt_id)
    assert [(v.price, v.stock) for v in variants] == [(3050, 4)] * 3

    refused = await admin_post(
        client, page, {"operation": "delete_value", "option_id": size_id, "value_id": m}
    )
    assert refused.status_code == 400
    assert "Used by 1 variant(s)" in refused.text and "Size: M" in refused.text

    first, second, third = (v.id for v in variants)
    form = {"operation": "save"}
    for v, (sku, price, stock) in zip(
        variants,
        (("POLO-S", "31", "7"), ("POLO-L", "1,234.56", "0"), ("POLO-M", "29.99", "2")),
        strict=True,
    ):
        form |= {f"sku-{v.id}": sku, f"price-{v.id}": price, f"stock-{v.id}": stock,
                 f"compare_at_price-{v.id}": "", f"weight_grams-{v.id}": "", f"image_id-{v.id}": "",
                 f"active-{v.id}": "on"}  # fmt: skip
    form |= {f"compare_at_price-{first}": "40", f"weight_grams-{first}": "250"}
    del form[f"active-{third}"]
    saved = await admin_post(client, page, form)
    assert saved.status_code == 303, saved.text[-1500:]
    variants = await _variants(session, shirt_id)
    assert [(v.sku, v.price, v.stock, v.is_active) for v in variants] == [
        ("POLO-S", 3100, 7, True), ("POLO-L", 123456, 0, True), ("POLO-M", 2999, 2, False),
    ]  # fmt: skip
    assert (variants[0].compare_at_price, variants[0].weight_grams) == (4000, 250)
    shirt = await session.get(Product, shirt_id)
    assert shirt is not None
    assert (shirt.price, shirt.price_max, shirt.stock) == (3100, 123456, 7)

    clash = {**form, f"sku-{second}": "POLO-S", f"price-{second}": "oops"}
    bad = await admin_post(client, page, clash)
    assert bad.status_code == 400
    assert "is-invalid" in bad.text and 'value="oops"' in bad.text
    taken = await admin_post(client, page, {**form, f"sku-{second}": "POLO-S"})
    assert taken.status_code == 400 and "Another variant already uses this SKU" in taken.text
    assert [v.sku for v in await _variants(session, shirt_id)] == ["POLO-S", "POLO-L", "POLO-M"]

    bulk = await admin_post(
        client,
        page,
        {"operation": "bulk", f"select-{first}": "on", f"select-{third}": "on",
         "bulk_price": "20", "bulk_stock": "9", "bulk_active": "on"},
    )  # fmt: skip
    assert bulk.status_code == 303
    variants = await _variants(session, shirt_id)
    assert [(v.price, v.stock, v.is_active) for v in variants] == [
        (2000, 9, True), (123456, 0, True), (2000, 9, True),
    ]  # fmt: skip

    gone = await admin_post(client, page, {"operation": f"delete-variant-{third}"})
    assert gone.status_code == 303
    removed = await admin_post(
        client, page, {"operation": "delete_value", "option_id": size_id, "value_id": m}
    )
    assert removed.status_code == 303
    assert [v.value for v in (await options_of(session, shirt_id))[0].values] == ["S", "Large"]
    assert s in {v.id for v in (await options_of(session, shirt_id))[0].values}
    russian = await client.get(page, headers={"Accept-Language": "ru"}, params={"lang": "ru"})
    assert russian.status_code == 200
