"""The shopper's journeys in Chromium, in Russian and in English, on a desktop and a phone.

Each journey runs twice: in English at desktop width and in Russian at phone width, with a
screenshot of its main pages at the other width too (artifacts/screenshots). axe-core checks
every page on the way (`accessibility.py`).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storefront.accessibility import assert_accessible
from storefront.browser_fixtures import DESKTOP, PHONE, SCREENSHOTS, open_tab, shot
from storefront.shop_data import COUPON, stock_the_shop
from storefront.test_browser_purchase import fill_shipping_and_card
from vitrina.accounts.models import User
from vitrina.orders.models import Order
from vitrina.storefront import i18n

pytestmark = [pytest.mark.browser, pytest.mark.postgres_only]

LOCALES = {"en": "en-US", "ru": "ru-RU"}
JOURNEYS = [
    pytest.param(("en", DESKTOP), id="en-desktop"),
    pytest.param(("ru", PHONE), id="ru-phone"),
]


def translator(language: str) -> Callable[[str], str]:
    """The page's words in `language`, from the same catalogs the pages use."""
    return i18n.translations(language).gettext


@pytest_asyncio.fixture(loop_scope="session")
async def shopper(
    browser: Any, base_url: str, request: pytest.FixtureRequest
) -> AsyncIterator[Any]:
    """A browser tab whose language (Accept-Language) and width are the journey's."""
    language, viewport = request.param
    async with open_tab(browser, base_url, viewport=viewport, locale=LOCALES[language]) as tab:
        tab.language = language
        yield tab


async def both_widths(page: Any, name: str) -> None:
    """A screenshot at the journey's width and one at the other."""
    await shot(page, f"{name}-{page.language}")
    own = page.viewport_size
    other = PHONE if own["width"] == DESKTOP["width"] else DESKTOP
    await page.set_viewport_size(other)
    await shot(page, f"{name}-{page.language}-{'phone' if other is PHONE else 'desktop'}")
    await page.set_viewport_size(own)


async def badge_count(page: Any) -> str:
    count = page.locator("#basket-count")
    return await count.inner_text() if await count.count() else ""


@pytest.mark.parametrize("shopper", JOURNEYS, indirect=True)
async def test_a_guest_fills_a_basket_registers_and_pays(
    shopper: Any, session: AsyncSession, make_category, make_product
) -> None:
    page, t = shopper, translator(shopper.language)
    shop = await stock_the_shop(session, make_category, make_product)
    email = f"guest-{page.language}@example.com"

    await page.goto("/")
    assert await page.locator("html").get_attribute("lang") == page.language
    await assert_accessible(page, "home")
    await both_widths(page, "j1-01-home")

    await page.locator("main").get_by_role("link", name="Kitchen").first.click()
    await page.wait_for_url(f"**/category/{shop.kitchen.slug}")
    await assert_accessible(page, "category")
    await both_widths(page, "j1-02-category")

    await page.fill("#site-search", "teapot")
    await page.press("#site-search", "Enter")
    await page.wait_for_url("**/search?q=teapot")
    await assert_accessible(page, "search")
    await page.locator(".product-card").get_by_role("link").first.click()
    await page.wait_for_url(f"**/product/{shop.teapot.slug}")
    await assert_accessible(page, "product")

    await page.goto(f"/product/{shop.mug.slug}")
    await page.fill("#quantity", "2")
    await page.get_by_role("button", name=t("Add to basket")).click()
    await page.locator("#basket-status").get_by_text(t("Added to your basket.")).wait_for()
    assert page.url.endswith(f"/product/{shop.mug.slug}")  # htmx: no reload
    assert await badge_count(page) == "2"
    await both_widths(page, "j1-03-guest-added")

    await page.goto("/product/paper-pendant")
    assert await page.get_by_role("button", name=t("Add to basket")).is_disabled()
    assert await page.locator("#stock-state").inner_text() == t("Out of stock")
    await assert_accessible(page, "sold-out product")
    await shot(page, f"j1-04-sold-out-{page.language}")

    await page.locator("#basket-link").click()
    await page.wait_for_url("**/basket")
    await page.fill("#code", COUPON.lower())
    await page.locator("#promo button[type=submit]").click()
    await page.get_by_text(t("Promo code applied.")).wait_for()
    await assert_accessible(page, "guest basket")
    await both_widths(page, "j1-05-guest-basket")

    await page.get_by_role("button", name=t("Checkout")).click()
    await page.wait_for_url("**/login?next=/basket")
    await assert_accessible(page, "login")
    notice = page.locator(".notice-info")
    assert await notice.inner_text() == t(
        "Log in or create an account to pay. Your basket will be kept."
    )
    await page.get_by_role("link", name=t("Create an account")).click()
    await page.wait_for_url("**/register?next=**")
    await assert_accessible(page, "register")
    await page.fill("#full_name", "Anna Petrova")
    await page.fill("#email", email)
    await page.fill("#password", "Passw0rd!x")
    await page.locator("main form button[type=submit]").click()
    await page.wait_for_url("**/basket")
    assert await page.get_by_text(t("We added your basket to your account's.")).count() == 1
    assert await page.get_by_role("link", name="Stoneware mug").count() >= 1
    assert await page.locator("#qty-" + str(shop.mug.id)).input_value() == "2"
    assert await badge_count(page) == "2"
    await assert_accessible(page, "basket after registering")
    await both_widths(page, "j1-06-basket-kept")

    await page.get_by_role("button", name=t("Checkout")).click()
    await page.wait_for_selector("#cardNumber")
    await shot(page, f"j1-07-stripe-page-{page.language}")
    await fill_shipping_and_card(page, "4242 4242 4242 4242")
    await page.wait_for_url("**/checkout/success?**")
    number = await page.locator("#order-number").inner_text()
    assert re.fullmatch(r"#\d+", number)
    assert await badge_count(page) == ""  # the basket is empty right after payment
    await assert_accessible(page, "checkout success")
    await both_widths(page, "j1-08-success")

    await page.goto("/account")
    assert await page.get_by_role("link", name=number).count() == 1
    await assert_accessible(page, "account")
    await both_widths(page, "j1-09-account")
    orders = await session.scalar(
        select(func.count()).select_from(Order).join(User).where(User.email == email)
    )
    assert orders == 1


BROWSING = [
    pytest.param(("en", PHONE), id="en-phone"),
    pytest.param(("ru", DESKTOP), id="ru-desktop"),
]


@pytest.mark.parametrize("shopper", BROWSING, indirect=True)
async def test_browsing_all_products_more_of_them_and_where_they_sit(
    shopper: Any, session: AsyncSession, make_category, make_product
) -> None:
    page, t = shopper, translator(shopper.language)
    await stock_the_shop(session, make_category, make_product)
    home = await make_category(name="Home")
    lighting = await make_category(name="Lighting", parent=home)
    for number in range(9):
        await make_product(name=f"Candle {number}", price=5_00 + number, category=lighting)

    await page.goto("/")
    await page.get_by_role("link", name=t("Start shopping")).click()
    await page.wait_for_url("**/products")
    assert await page.get_by_role("heading", level=1).inner_text() == t("All products")
    assert await page.locator(".product-card").count() == 12
    await assert_accessible(page, "all products")
    await both_widths(page, "j2-01-all-products")
    await page.get_by_role("link", name=t("Show more")).click()
    await page.locator(".product-card").nth(13).wait_for()
    assert await page.locator(".product-card").count() == 14  # appended in place
    assert page.url.endswith("/products")
    assert await page.get_by_role("link", name=t("Show more")).count() == 0
    await assert_accessible(page, "all products, more shown")
    await shot(page, f"j2-02-more-shown-{page.language}")

    await page.goto(f"/category/{lighting.slug}")
    crumbs = await page.locator(".breadcrumbs li").all_inner_texts()
    assert [c.strip("/ \n") for c in crumbs] == ["Vitrina", "Home", "Lighting"]
    await assert_accessible(page, "subcategory")
    await both_widths(page, "j2-03-breadcrumbs")

    await page.goto("/products?in_stock=1&sort=price_asc")
    prices = await page.locator(".product-card .price").all_inner_texts()
    assert len(prices) == 12 and prices[0] == ("$5.00" if page.language == "en" else "5,00\xa0$")
    await page.goto("/search?q=candle&sort=price_desc")
    assert await page.locator(".product-card").count() == 9
    await assert_accessible(page, "search results")
    await shot(page, f"j2-04-search-{page.language}")


async def test_the_home_page_is_sent_compressed(
    page: Any, session: AsyncSession, make_category, make_product
) -> None:
    """What a first visit to the home page transfers: the figure in docs/benchmarks.md."""
    await stock_the_shop(session, make_category, make_product)
    sizes: dict[str, tuple[int, int, str]] = {}

    async def record(response: Any) -> None:
        measured = await response.request.sizes()
        body, headers = measured["responseBodySize"], measured["responseHeadersSize"]
        sizes[response.url] = (body, headers, response.headers.get("content-encoding", ""))

    page.on("response", record)
    document = await page.goto("/")
    assert document is not None
    html = await document.body()
    await page.wait_for_load_state("networkidle")
    home = sizes[page.url]
    assert home[2] == "gzip" and home[0] < len(html) / 2
    css = next(
        value for url, value in sizes.items() if "/static/vitrina." in url and url.endswith(".css")
    )
    assert css[2] == "gzip"
    total = sum(body + headers for body, headers, _ in sizes.values())
    report = (
        f"home page: {len(html)} B of HTML sent as {home[0]} B gzip; "
        f"{len(sizes)} responses, {total} B transferred in all (headers included)"
    )
    print(report)
    SCREENSHOTS.parent.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS.parent / "home-transfer.txt").write_text(report + "\n")  # kept by CI
    assert total < 120_000


@pytest.mark.parametrize("shopper", [pytest.param(("ru", DESKTOP), id="ru-desktop")], indirect=True)
async def test_a_guest_pays_with_only_an_email(
    shopper: Any, session: AsyncSession, make_category, make_product
) -> None:
    page, t = shopper, translator(shopper.language)
    shop = await stock_the_shop(session, make_category, make_product)
    await page.goto(f"/product/{shop.lamp.slug}")
    await page.get_by_role("button", name=t("Add to basket")).click()
    await page.locator("#basket-status").get_by_text(t("Added to your basket.")).wait_for()
    await page.goto("/basket")
    await page.get_by_role("button", name=t("Pay as a guest")).click()
    await page.wait_for_selector("#cardNumber")
    await page.fill("#email", "walk-in@example.com")
    await fill_shipping_and_card(page, "4242 4242 4242 4242")
    await page.wait_for_url("**/checkout/success?**")
    assert await page.locator("#guest-account-note").is_visible()
    assert await badge_count(page) == ""
    await assert_accessible(page, "guest checkout success")
    await both_widths(page, "j3-01-guest-paid")
    owner = await session.scalar(
        select(User.email).join(Order, Order.user_id == User.id).where(Order.total > 0)
    )
    assert owner == "walk-in@example.com"
