"""The owner gives a product sizes and colours in Chromium: options and their values added,
renamed and reordered, variants made from the combinations, a value in use refused with
the variants named, every field of a variant edited and saved, and a bulk change."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from admin.browser_steps import log_in
from storefront.shop_data import product_picture
from vitrina.accounts.models import User
from vitrina.catalog.images import add_image
from vitrina.catalog.models import ProductOption, ProductOptionValue, ProductVariant

pytestmark = [pytest.mark.browser, pytest.mark.postgres_only]


async def _submit(page: Any, button: Any) -> None:
    async with page.expect_navigation():
        await button.click()


async def _variants(session: AsyncSession, product_id: int) -> list[ProductVariant]:
    rows = await session.scalars(
        select(ProductVariant)
        .where(ProductVariant.product_id == product_id)
        .order_by(ProductVariant.position, ProductVariant.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def test_owner_builds_and_edits_variants(
    page: Any, admin: User, make_product, session: AsyncSession
) -> None:
    product = await make_product(name="Hoodie", price=4000, stock=3)
    picture = await add_image(session, product, product_picture("#ecfccb", "#3f6212"), alt="Green")
    await session.commit()
    product_id, picture_id = product.id, picture.id
    await log_in(page, admin)
    await page.goto(f"/admin/product/details/{product_id}")
    await page.get_by_text("Options and variants").first.wait_for()
    await page.goto(f"/admin/product/variants/{product_id}")

    add = page.locator("#add-option")
    await add.get_by_label("New option").fill("Size")
    await add.get_by_label("In Russian").fill("Размер")
    await add.get_by_label("Values, separated by commas").fill("S, M, L")
    await _submit(page, add.get_by_role("button", name="Add the option"))
    size = page.locator("section[data-option=size]")
    await size.locator("tr[data-value=l] input[name=value]").fill("Large")
    await _submit(page, size.locator("tr[data-value=l]").get_by_role("button", name="Save"))
    await _submit(page, size.locator("tr[data-value=large]").get_by_role("button", name="Move up"))
    await add.get_by_label("New option").fill("Colour")
    await add.get_by_label("Values, separated by commas").fill("red")
    await _submit(page, add.get_by_role("button", name="Add the option"))
    colour = page.locator("section[data-option=colour]")
    await colour.get_by_label("New value").fill("blue")
    await _submit(page, colour.get_by_role("button", name="Add the value"))
    values = await session.scalars(
        select(ProductOptionValue.value)
        .join(ProductOption)
        .where(ProductOption.product_id == product_id)
        .order_by(ProductOption.position, ProductOptionValue.position)
    )
    assert list(values) == ["S", "Large", "M", "red", "blue"]

    generate = page.locator("#generate")
    await generate.get_by_label("Price of each new variant").fill("12.50")
    await generate.get_by_label("In stock").fill("3")
    await _submit(page, generate.get_by_role("button", name="Make a variant of each combination"))
    assert [(v.price, v.stock) for v in await _variants(session, product_id)] == [(1250, 3)] * 6

    await _submit(page, size.locator("tr[data-value=m]").get_by_role("button", name="Remove"))
    refusal = await page.locator("#variants-error").inner_text()
    assert "Used by 2 variant(s)" in refusal and "Size: M, Colour: red" in refusal

    first = (await _variants(session, product_id))[0]
    row = page.locator(f"tr[data-variant-id='{first.id}']")
    await row.get_by_label("SKU:").fill("HD-S-RED")
    await (
        row.get_by_label("Price:", exact=False).and_(row.locator("[name^=price-]")).fill("1,499.90")
    )
    await row.get_by_label("Compare-at price:").fill("1999")
    await row.get_by_label("In stock:").fill("11")
    await row.get_by_label("Weight (grams):").fill("480")
    await row.get_by_label("On sale").uncheck()
    await row.get_by_label("Image").select_option(str(picture_id))
    await _submit(page, page.locator("#save-variants"))
    await page.get_by_text("1 variant(s) saved.").wait_for()
    first = (await _variants(session, product_id))[0]
    assert (first.sku, first.price, first.compare_at_price, first.stock) == (
        "HD-S-RED", 149990, 199900, 11,
    )  # fmt: skip
    assert (first.weight_grams, first.is_active, first.image_id) == (480, False, picture_id)

    others = (await _variants(session, product_id))[1:3]
    for variant in others:
        await page.locator(f"tr[data-variant-id='{variant.id}']").get_by_label("Select").check()
    bulk = page.locator("#bulk")
    await bulk.get_by_label("Price").first.fill("20")
    await bulk.get_by_label("In stock").fill("9")
    await _submit(page, page.locator("#apply-bulk"))
    await page.get_by_text("2 variant(s) saved.").wait_for()
    changed = (await _variants(session, product_id))[1:3]
    assert [(v.price, v.stock) for v in changed] == [(2000, 9), (2000, 9)]
    assert (await _variants(session, product_id))[0].price == 149990
