"""A customer's whole purchase in Chromium: search, basket, coupon, Stripe's page, order."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fixtures.accounts import MakeUser
from storefront.browser_fixtures import DESKTOP, PHONE, shot
from storefront.shop_data import COUPON, stock_the_shop
from vitrina.orders.models import Order

pytestmark = [pytest.mark.browser, pytest.mark.postgres_only]
PASSWORD = "Passw0rd!x"


async def log_in(page: Any, email: str) -> None:
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("form[action='/login'] button[type=submit]")


async def fill_shipping_and_card(page: Any, card: str) -> None:
    await page.fill("#shippingName", "Anna Petrova")
    await page.fill("#shippingLine1", "Nevsky prospekt 1")
    await page.fill("#shippingCity", "Saint Petersburg")
    await page.fill("#shippingPostalCode", "191186")
    await page.select_option("#shippingCountry", "RU")
    await page.fill("#cardNumber", card)
    await page.click("#submit")


async def test_whole_purchase_as_a_person_does_it(
    page: Any, session: AsyncSession, make_category, make_product, make_user: MakeUser
) -> None:
    shop = await stock_the_shop(session, make_category, make_product)
    buyer = await make_user(email="anna@example.com", full_name="Anna Petrova")

    await page.goto("/")
    await page.get_by_role("heading", name="New arrivals").wait_for()
    await shot(page, "01-home")
    await page.set_viewport_size(PHONE)
    await shot(page, "01-home-phone")
    await page.set_viewport_size(DESKTOP)

    await page.click("main >> text=Kitchen")
    await page.wait_for_url(f"**/category/{shop.kitchen.slug}")
    await page.select_option("#sort", "price_asc")
    await page.click("text=Apply")
    await page.wait_for_url("**sort=price_asc**")
    prices = await page.locator(".product-card .price").all_inner_texts()
    assert prices == ["$12.50", "$18.00", "$64.00"]
    await shot(page, "01-category-desktop")

    await page.fill("#site-search", "mug")
    await page.press("#site-search", "Enter")
    await page.wait_for_url("**/search?q=mug")
    assert await page.locator("mark").first.inner_text() == "mug"
    await shot(page, "02-search")

    await page.click("text=Stoneware mug")
    await page.wait_for_url(f"**/product/{shop.mug.slug}")
    photo = page.locator("img.product-image-large")
    assert await photo.get_attribute("alt") == "A teal stoneware mug"
    await shot(page, "03-product")

    await page.click("text=Add to basket")  # as a guest: no detour to log in
    await page.locator("#basket-status").get_by_text("Added to your basket.").wait_for()
    assert page.url.endswith(f"/product/{shop.mug.slug}")  # htmx: no reload, no redirect
    assert await page.locator("#basket-count").inner_text() == "1"
    await shot(page, "04-added-without-reload")
    await page.click("header >> text=Log in")
    await page.wait_for_url("**/login?next=**")
    await shot(page, "04-login")
    await log_in(page, buyer.email)
    await page.wait_for_url(f"**/product/{shop.mug.slug}")
    await page.get_by_text("We added your basket to your account's.").wait_for()
    await page.click("text=Add to basket")
    await page.locator("#basket-status").get_by_text("Added to your basket.").wait_for()
    assert await page.locator("#basket-count").inner_text() == "2"

    await page.goto(f"/product/{shop.lamp.slug}")
    await page.click("text=Add to basket")
    await page.get_by_text("Added to your basket.").wait_for()

    await page.click("header >> text=Basket")
    await page.wait_for_url("**/basket")
    assert await page.locator("#basket-total").inner_text() == "$125.00"
    await page.fill("#code", COUPON.lower())
    await page.click("#promo button[type=submit]")
    await page.get_by_text("Promo code applied.").wait_for()
    assert await page.locator("#basket-total").inner_text() == "$112.50"
    await shot(page, "05-basket-with-coupon")
    await page.set_viewport_size(PHONE)
    await shot(page, "05-basket-phone")
    await page.set_viewport_size(DESKTOP)

    await page.click("text=Checkout")
    await page.wait_for_selector("#cardNumber")
    assert await page.locator("#total").inner_text() == "112.50 USD"
    await shot(page, "06-stripe-page")
    await fill_shipping_and_card(page, "4242 4242 4242 4242")

    await page.wait_for_url("**/checkout/success?**")
    number = await page.locator("#order-number").inner_text()
    assert re.fullmatch(r"#\d+", number)
    await shot(page, "07-success")

    await page.click("header >> text=My orders")
    await page.wait_for_url("**/account")
    assert await page.get_by_role("link", name=number).count() == 1
    assert await page.locator(".badge").first.inner_text() == "Paid"
    await shot(page, "08-account-orders")
    await page.get_by_role("link", name=number).click()
    await page.wait_for_url(f"**/account/orders/{number.lstrip('#')}")
    assert await page.get_by_text("2 × Stoneware mug").count() == 1
    assert "Russia" in await page.locator("address").inner_text()
    await shot(page, "08-order-page")
    await page.go_back()

    await page.go_back()  # the success link again: still exactly one order
    await page.reload()
    assert await session.scalar(select(func.count()).select_from(Order)) == 1
    order = await session.scalar(select(Order))
    assert order is not None and order.total == 112_50 and order.coupon_code


async def test_declined_card_makes_no_order_and_cancel_returns_to_basket(
    page: Any, session: AsyncSession, make_category, make_product, make_user: MakeUser
) -> None:
    shop = await stock_the_shop(session, make_category, make_product)
    buyer = await make_user(email="boris@example.com")
    await page.goto(f"/login?next=/product/{shop.teapot.slug}")
    await log_in(page, buyer.email)
    await page.wait_for_url(f"**/product/{shop.teapot.slug}")
    await page.click("text=Add to basket")
    await page.get_by_text("Added to your basket.").wait_for()
    await page.goto("/basket")
    await page.click("text=Checkout")
    await page.wait_for_selector("#cardNumber")

    await fill_shipping_and_card(page, "4000 0000 0000 0002")
    assert await page.locator("#error").inner_text() == "Your card was declined."
    await shot(page, "09-declined")
    assert await session.scalar(select(func.count()).select_from(Order)) == 0

    await page.click("#cancel")
    await page.wait_for_url("**/basket?checkout=cancelled")
    assert await page.locator("#checkout-cancelled").is_visible()
    assert await page.get_by_text("Cast iron teapot").count() >= 1
    await shot(page, "10-cancelled-basket")
    assert await session.scalar(select(func.count()).select_from(Order)) == 0
