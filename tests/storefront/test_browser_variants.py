"""A guest buys two variants of one product in Chromium: the option picker (a form that
reloads the page), the basket's two lines, the order's lines as sold."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storefront.browser_fixtures import DESKTOP, open_tab
from storefront.test_browser_purchase import fill_shipping_and_card
from vitrina.catalog.schemas import ProductCreate
from vitrina.catalog.service import create_product
from vitrina.catalog.variant_schemas import OptionIn, OptionValueIn, VariantIn
from vitrina.catalog.variant_service import add_option, add_variant
from vitrina.orders.models import OrderItem

pytestmark = [pytest.mark.browser, pytest.mark.postgres_only]


async def test_a_guest_buys_two_sizes_of_one_shirt(
    browser: Any, base_url: str, session: AsyncSession, make_category
) -> None:
    category = await make_category(name="Clothes")
    shirt = await create_product(
        session, ProductCreate(name="Linen shirt", category_id=category.id, price=3900)
    )
    size = await add_option(
        session,
        shirt,
        OptionIn(name="Size", values=[OptionValueIn(value=v) for v in ("S", "M", "L")]),
    )
    await session.refresh(size, ["values"])
    by_value = {value.value: value.id for value in size.values}
    for value, price, stock in (("S", 3900, 0), ("M", 3900, 3), ("L", 4200, 2)):
        await add_variant(
            session,
            shirt,
            VariantIn(values=[by_value[value]], sku=f"LS-{value}", price=price, stock=stock),
        )
    slug = shirt.slug
    await session.commit()

    async with open_tab(browser, base_url, viewport=DESKTOP, locale="en-US") as page:
        await page.goto(f"/product/{slug}")
        assert await page.locator("#option-size option[value=s]").is_disabled()
        await page.select_option("#option-size", "l")
        await page.get_by_role("button", name="Choose").click()
        await page.wait_for_url(f"**/product/{slug}?size=l")
        assert await page.locator(".product-info .price").inner_text() == "$42.00"
        await page.get_by_role("button", name="Add to basket").click()
        await page.locator("#basket-status").get_by_text("Added to your basket.").wait_for()

        await page.select_option("#option-size", "m")
        await page.get_by_role("button", name="Choose").click()
        await page.wait_for_url(f"**/product/{slug}?size=m")
        # The select's change and the button's submit each swap the form in (htmx); a
        # quantity typed before the last swap is lost, so wait for both.
        await page.locator(".product-info .price").get_by_text("$39.00").wait_for()
        await page.wait_for_load_state("networkidle")
        await page.fill("#quantity", "2")
        await page.get_by_role("button", name="Add to basket").click()
        await page.locator("#basket-status").get_by_text("Added to your basket.").wait_for()

        await page.goto("/basket")
        lines = page.locator(".basket-line")
        assert await lines.count() == 2
        assert "Size: L" in await lines.nth(0).inner_text()
        assert "Size: M" in await lines.nth(1).inner_text()
        await page.get_by_role("button", name="Pay as a guest").click()
        await page.wait_for_selector("#cardNumber")
        await page.fill("#email", "two-sizes@example.com")
        await fill_shipping_and_card(page, "4242 4242 4242 4242")
        await page.wait_for_url("**/checkout/success?**")

    sold = (
        await session.execute(
            select(
                OrderItem.sku, OrderItem.options, OrderItem.unit_price, OrderItem.quantity
            ).order_by(OrderItem.id)
        )
    ).all()
    assert [tuple(row) for row in sold] == [
        ("LS-L", "Size: L", 4200, 1),
        ("LS-M", "Size: M", 3900, 2),
    ]
