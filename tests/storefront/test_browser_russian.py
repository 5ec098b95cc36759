"""Russian pages in Chromium: Russian text, the store's currency written the Russian way."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from storefront.browser_fixtures import DESKTOP, PHONE, shot
from storefront.shop_data import stock_the_shop

pytestmark = [pytest.mark.browser, pytest.mark.postgres_only]


async def test_russian_from_the_browser_language(
    browser: Any, base_url: str, session: AsyncSession, make_category, make_product
) -> None:
    shop = await stock_the_shop(session, make_category, make_product)
    context = await browser.new_context(base_url=base_url, locale="ru-RU", viewport=DESKTOP)
    try:
        page = await context.new_page()
        await page.goto("/")
        assert await page.locator("html").get_attribute("lang") == "ru"
        assert await page.get_by_role("heading", name="Новинки").count() == 1
        assert await page.get_by_role("link", name="Корзина").count() == 1
        await shot(page, "30-ru-home")

        await page.goto(f"/product/{shop.lamp.slug}")
        assert await page.locator(".product-info .price").inner_text() == "89,00\xa0$"
        assert await page.get_by_role("button", name="В корзину").count() == 1
        await page.set_viewport_size(PHONE)
        await shot(page, "31-ru-product-phone")

        await page.goto(f"/category/{shop.kitchen.slug}?min_price=abc")
        error = page.locator("#min_price-error")
        assert await error.inner_text() == "Введите сумму, например 10 или 12,50."
        await shot(page, "32-ru-category-filter-error")
    finally:
        await context.close()


async def test_language_switcher_keeps_the_page(
    page: Any, session: AsyncSession, make_category, make_product
) -> None:
    shop = await stock_the_shop(session, make_category, make_product)
    await page.goto(f"/product/{shop.mug.slug}")
    await page.click("footer >> text=Русский")
    await page.wait_for_url(f"**/product/{shop.mug.slug}")
    assert await page.locator(".product-info .price").inner_text() == "18,00\xa0$"
    assert await page.get_by_text("В наличии").count() == 1
    await page.click("footer >> text=English")
    assert await page.locator(".product-info .price").inner_text() == "$18.00"
