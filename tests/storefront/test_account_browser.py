"""The account journeys in Chromium: forgotten password by the mailed link, settings, email
change by its link, password change ending a copied cookie, a saved address at checkout.

Mail goes to the memory backend of the same process; the tests open the links it holds, as a
person opens them from their inbox.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fixtures.accounts import DEFAULT_PASSWORD, MakeUser
from storefront.browser_fixtures import DESKTOP, PHONE, shot
from storefront.shop_data import stock_the_shop
from vitrina.accounts.models import User
from vitrina.mail import outbox

pytestmark = [pytest.mark.browser, pytest.mark.postgres_only]
LINK = re.compile(r"https?://[^/\s]+(/[\w/-]+\?token=[\w-]+)")


def mailed_link(to: str) -> str:
    message = [m for m in outbox() if m.to == to][-1]
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


async def log_in(page: Any, email: str, password: str = DEFAULT_PASSWORD) -> None:
    await page.goto("/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.locator("form[action='/login'] button[type=submit]").click()
    await page.wait_for_url(lambda url: "/login" not in url)


async def test_forgotten_password_from_the_mailed_link_to_logging_in(
    page: Any, make_user: MakeUser
) -> None:
    user = await make_user(email="olga@example.com", full_name="Olga")
    await page.goto("/login")
    await page.get_by_role("link", name="Forgot password?").click()
    await page.wait_for_url("**/forgot-password")
    await page.get_by_label("Email").fill("olga@example.com")
    await page.get_by_role("button", name="Send the link").click()
    await page.locator("#reset-sent").wait_for()
    await shot(page, "40-forgot-password-sent")

    await page.goto(mailed_link(user.email))
    assert await page.get_by_role("heading", level=1).inner_text() == "Choose a new password"
    await page.get_by_label("New password", exact=True).fill("Fr3sh-start")
    await page.get_by_label("Repeat the new password").fill("Fr3sh-start")
    await shot(page, "41-reset-password")
    await page.get_by_role("button", name="Save the new password").click()
    await page.wait_for_url("**/login")
    assert "Your password has been changed" in await page.locator(".notice").inner_text()

    await log_in(page, user.email, "Fr3sh-start")
    assert await page.get_by_role("link", name="Settings").count() == 1


async def test_russian_shopper_resets_the_password(
    browser: Any, base_url: str, make_user: MakeUser
) -> None:
    user = await make_user(email="anna@example.com")
    context = await browser.new_context(base_url=base_url, locale="ru-RU", viewport=PHONE)
    try:
        page = await context.new_page()
        await page.goto("/login")
        await page.get_by_role("link", name="Забыли пароль?").click()
        await page.get_by_label("Электронная почта").fill(user.email)
        await page.get_by_role("button", name="Отправить ссылку").click()
        await page.locator("#reset-sent").wait_for()
        await page.goto(mailed_link(user.email))
        await page.get_by_label("Новый пароль", exact=True).fill("password1")
        await page.get_by_label("Повторите новый пароль").fill("password1")
        await page.get_by_role("button", name="Сохранить новый пароль").click()
        error = page.locator("#new_password-error")
        assert "слишком распространён" in await error.inner_text()
        await shot(page, "42-ru-reset-common-password-phone")
    finally:
        await context.close()


async def test_settings_name_email_change_and_password_change(
    page: Any, browser: Any, base_url: str, make_user: MakeUser, session: AsyncSession
) -> None:
    user = await make_user(email="ivan@example.com", full_name="Ivan")
    await log_in(page, user.email)
    await page.get_by_role("link", name="Settings").click()
    await page.wait_for_url("**/account/settings")
    headings = await page.locator("h1, h2").all_inner_texts()
    assert headings == [
        "Account settings",
        "Your name",
        "Email address",
        "Password",
        "Other devices",
    ]

    await page.get_by_label("Name", exact=True).fill("Ivan Petrov")
    await page.get_by_role("button", name="Save the name").click()
    await page.get_by_text("Your name has been saved.").wait_for()
    assert await page.get_by_label("Name", exact=True).input_value() == "Ivan Petrov"

    await page.get_by_label("New email address").fill("ivan.petrov@example.com")
    await page.get_by_label("Your current password").fill(DEFAULT_PASSWORD)
    await page.get_by_role("button", name="Change the email address").click()
    await page.get_by_text("We sent a confirmation link to ivan.petrov@example.com").wait_for()
    await page.goto(mailed_link("ivan.petrov@example.com"))
    await shot(page, "43-confirm-new-email")
    await page.get_by_role("button", name="Use this address").click()
    await page.wait_for_url("**/account/settings")
    assert "ivan.petrov@example.com" in await page.locator("main").inner_text()

    copied = await page.context.cookies()
    await page.get_by_label("Current password", exact=True).fill(DEFAULT_PASSWORD)
    await page.get_by_label("New password", exact=True).fill("N3w-password")
    await page.get_by_label("Repeat the new password").fill("N3w-password")
    await page.get_by_role("button", name="Change the password").click()
    await page.get_by_text("Your password has been changed.").wait_for()
    await shot(page, "44-settings-after-password-change")

    thief = await browser.new_context(base_url=base_url, viewport=DESKTOP)
    try:
        await thief.add_cookies(copied)
        stolen = await thief.new_page()
        await stolen.goto("/account/settings")
        assert "/login" in stolen.url, "the cookie copied before the change no longer works"
    finally:
        await thief.close()
    await page.goto("/account/settings")
    assert page.url.endswith("/account/settings"), "this browser stays logged in"
    stored = await session.scalar(select(User.email).where(User.id == user.id))
    assert stored == "ivan.petrov@example.com"


async def test_saved_address_then_checkout(
    page: Any, session: AsyncSession, make_category, make_product, make_user: MakeUser
) -> None:
    shop = await stock_the_shop(session, make_category, make_product)
    buyer = await make_user(email="anna@example.com", full_name="Anna Petrova")
    await log_in(page, buyer.email)
    await page.goto("/account/addresses")
    await page.get_by_role("link", name="Add an address").click()
    assert await page.get_by_label("Full name").input_value() == "Anna Petrova"
    await page.get_by_label("Address line 1").fill("Nevsky prospekt 1")
    await page.get_by_label("City").fill("Saint Petersburg")
    await page.get_by_label("Postal code").fill("191186")
    await page.get_by_label("Country").select_option("RU")
    await page.get_by_role("button", name="Save the address").click()
    await page.get_by_text("The address has been saved.").wait_for()
    card = page.locator(".address-card").first
    assert "Nevsky prospekt 1" in await card.inner_text()
    assert "Default" in await card.inner_text()
    await shot(page, "45-saved-address")

    await page.goto(f"/product/{shop.teapot.slug}")
    await page.click("text=Add to basket")
    await page.get_by_text("Added to your basket.").wait_for()
    await page.goto("/basket")
    await page.click("text=Checkout")
    await page.wait_for_selector("#cardNumber")
    assert await page.locator("#email").input_value() == "anna@example.com"
    # Stripe's page prefills the saved default address (from the account's Stripe Customer):
    # the shopper types only the card.
    prefilled = {
        field: await page.locator(f"#{field}").input_value()
        for field in ("shippingName", "shippingLine1", "shippingCity", "shippingPostalCode")
    }
    assert prefilled == {
        "shippingName": "Anna Petrova",
        "shippingLine1": "Nevsky prospekt 1",
        "shippingCity": "Saint Petersburg",
        "shippingPostalCode": "191186",
    }
    assert await page.locator("#shippingCountry").input_value() == "RU"
    await shot(page, "46-checkout-shipping-prefilled")
    await page.fill("#cardNumber", "4242 4242 4242 4242")
    await page.click("#submit")
    await page.wait_for_url("**/checkout/success?**")
    number = (await page.locator("#order-number").inner_text()).lstrip("#")
    await page.goto(f"/account/orders/{number}")
    shipped_to = await page.locator("address").inner_text()
    assert "Anna Petrova" in shipped_to and "Nevsky prospekt 1" in shipped_to
    assert "Saint Petersburg" in shipped_to and "191186" in shipped_to
