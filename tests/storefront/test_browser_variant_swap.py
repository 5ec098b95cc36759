"""The option picker in Chromium: with JavaScript, a change swaps the variant's price,
stock, SKU, image and basket form in place (no page load); without it, the GET form
reloads the page for the chosen variant."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from storefront.browser_fixtures import DESKTOP
from storefront.shop_data import product_picture
from vitrina.catalog.images import add_image
from vitrina.catalog.schemas import ProductCreate
from vitrina.catalog.service import create_product
from vitrina.catalog.variant_schemas import OptionIn, OptionValueIn, VariantIn
from vitrina.catalog.variant_service import add_option, add_variant

pytestmark = [pytest.mark.browser, pytest.mark.postgres_only]


async def _jacket(session: AsyncSession, make_category: Any) -> tuple[str, dict[str, int]]:
    """A jacket in red (in stock, its own picture) and blue (two left, another picture)."""
    category = await make_category(name="Coats")
    jacket = await create_product(
        session, ProductCreate(name="Rain jacket", category_id=category.id, price=9900)
    )
    red_picture = await add_image(
        session, jacket, product_picture("#fee2e2", "#b91c1c"), alt="Red jacket"
    )
    blue_picture = await add_image(
        session, jacket, product_picture("#dbeafe", "#1d4ed8", "square"), alt="Blue jacket"
    )
    colour = await add_option(
        session,
        jacket,
        OptionIn(name="Colour", values=[OptionValueIn(value=v) for v in ("red", "blue")]),
    )
    await session.refresh(colour, ["values"])
    by_value = {value.value: value.id for value in colour.values}
    ids = {}
    for value, price, stock, image in (
        ("red", 9900, 8, red_picture.id),
        ("blue", 11900, 2, blue_picture.id),
    ):
        variant = await add_variant(
            session,
            jacket,
            VariantIn(
                values=[by_value[value]],
                sku=f"RJ-{value.upper()}",
                price=price,
                stock=stock,
                image_id=image,
                compare_at_price=14900 if value == "blue" else None,
            ),
        )
        ids[value] = variant.id
    slug = jacket.slug
    await session.commit()
    return slug, ids


async def test_choosing_a_colour_swaps_the_variant_without_a_page_load(
    browser: Any, base_url: str, session: AsyncSession, make_category
) -> None:
    slug, ids = await _jacket(session, make_category)
    context = await browser.new_context(base_url=base_url, viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(15_000)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    loads: list[str] = []
    page.on("load", lambda: loads.append(page.url))
    await page.goto(f"/product/{slug}")
    info = page.locator(".product-info")
    assert await info.locator(".price").inner_text() == "$99.00"
    assert await page.locator("#sku").inner_text() == "SKU: RJ-RED"
    assert await page.locator(".gallery img").first.get_attribute("alt") == "Red jacket"
    await page.evaluate("window.stillHere = true")

    await page.focus("#option-colour")  # as a keyboard user: focus stays on the picker
    await page.select_option("#option-colour", "blue")
    await page.locator("#sku", has_text="RJ-BLUE").wait_for()
    assert await page.evaluate("window.stillHere") is True  # swapped, not reloaded
    assert len(loads) == 1
    assert page.url.endswith(f"/product/{slug}?colour=blue")
    assert await info.locator(".price").inner_text() == "$119.00 $149.00"
    assert await page.locator("#stock-state").inner_text() == "Only 2 left"
    assert await page.locator(".gallery img").first.get_attribute("alt") == "Blue jacket"
    assert await page.locator(".buy-box input[name=variant_id]").input_value() == str(ids["blue"])
    assert await page.locator("#quantity").get_attribute("max") == "2"
    assert await page.locator("#option-colour").evaluate("e => e === document.activeElement")

    await page.get_by_role("button", name="Add to basket").click()
    await page.locator("#basket-status").get_by_text("Added to your basket.").wait_for()
    await page.goto("/basket")
    assert "Colour: blue" in await page.locator("main").inner_text()
    await context.close()
    assert not errors, errors


async def test_without_javascript_the_form_reloads_the_page_for_the_colour(
    browser: Any, base_url: str, session: AsyncSession, make_category
) -> None:
    slug, ids = await _jacket(session, make_category)
    context = await browser.new_context(
        base_url=base_url, viewport=DESKTOP, locale="en-US", java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    page = await context.new_page()
    await page.goto(f"/product/{slug}")
    await page.select_option("#option-colour", "blue")
    await page.get_by_role("button", name="Choose").click()
    await page.wait_for_url(f"**/product/{slug}?colour=blue")
    assert await page.locator(".product-info .price").inner_text() == "$119.00 $149.00"
    assert await page.locator("#sku").inner_text() == "SKU: RJ-BLUE"
    assert await page.locator(".gallery img").first.get_attribute("alt") == "Blue jacket"
    assert await page.locator(".buy-box input[name=variant_id]").input_value() == str(ids["blue"])
    await page.get_by_role("button", name="Add to basket").click()
    await page.wait_for_url(f"**/product/{slug}?colour=blue")
    await page.goto("/basket")
    assert "Colour: blue" in await page.locator("main").inner_text()
    await context.close()
