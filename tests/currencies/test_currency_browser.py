"""In Chromium: a shopper switches to yen in the header, sees and pays yen on every page
up to Stripe's, and the order keeps the currency it was paid in."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fixtures.accounts import MakeUser
from storefront.browser_fixtures import shot
from vitrina.currencies.conversion import Rounding
from vitrina.currencies.models import StoreCurrency
from vitrina.orders.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.postgres_only]


async def test_a_purchase_in_yen_through_the_switcher(
    page: Any, session: AsyncSession, make_product, make_user: MakeUser
) -> None:
    session.add(StoreCurrency(code="eur", rate=Decimal("0.92"), rounding=Rounding.CHARM))
    session.add(StoreCurrency(code="jpy", rate=Decimal(150), rounding=Rounding.WHOLE))
    await session.commit()
    lamp = await make_product(name="Lamp", price=10000, stock=3)  # $100.00 = ¥15,000
    buyer = await make_user(email="kenji@example.com")

    await page.goto(f"/login?next=/product/{lamp.slug}")
    await page.fill("#email", buyer.email)
    await page.fill("#password", "Passw0rd!x")
    await page.click("form[action='/login'] button[type=submit]")
    await page.wait_for_url(f"**/product/{lamp.slug}")
    assert await page.locator(".product-info .price").inner_text() == "$100.00"
    switcher = page.locator(".currencies")
    assert await switcher.locator("a, span").all_inner_texts() == ["USD", "EUR", "JPY"]
    await switcher.get_by_role("link", name="EUR").click()
    await page.wait_for_url(f"**/product/{lamp.slug}")
    assert await page.locator(".product-info .price").inner_text() == "€91.99"
    await switcher.get_by_role("link", name="JPY").click()
    await page.wait_for_url(f"**/product/{lamp.slug}")
    assert await page.locator(".product-info .price").inner_text() == "¥15,000"
    await shot(page, "currency-01-product-in-yen")
    await page.click("text=Add to basket")
    await page.get_by_text("Added to your basket.").wait_for()
    await page.goto("/products")
    assert "¥15,000" in await page.locator("main").inner_text()
    await page.goto("/basket")
    assert await page.locator("#basket-total").inner_text() == "¥15,000"
    await shot(page, "currency-02-basket-in-yen")

    await page.click("text=Checkout")
    await page.wait_for_selector("#cardNumber")
    assert "15,000" in await page.locator("#total").inner_text()
    assert "JPY" in await page.locator("#total").inner_text()
    await page.fill("#shippingName", "Kenji Sato")
    await page.fill("#shippingLine1", "Unter den Linden 1")
    await page.fill("#shippingCity", "Berlin")
    await page.fill("#shippingPostalCode", "10117")
    await page.select_option("#shippingCountry", "DE")
    await page.fill("#cardNumber", "4242 4242 4242 4242")
    await page.click("#submit")
    await page.wait_for_url("**/checkout/success?**")
    assert "¥15,000" in await page.locator("main").inner_text()

    order = await session.scalar(select(Order).execution_options(populate_existing=True))
    assert order is not None
    assert (order.currency, order.total, order.amount_charged) == ("jpy", 15000, 15000)
    assert not order.needs_review
    await page.goto("/account")
    assert "¥15,000" in await page.locator("main").inner_text()
