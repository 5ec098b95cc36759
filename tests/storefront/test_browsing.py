"""Browsing as a shopper does: all products, more of them, breadcrumbs, stock on the product
page, and the basket badge emptied by the payment."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fixtures.catalog import MakeProduct
from storefront.helpers import csrf_from, web_login
from storefront.test_basket_header import badge
from vitrina.accounts.models import User
from vitrina.basket.models import CheckoutSession
from vitrina.config import Settings

CARD_TITLES = re.compile(r'<h3 class="card-title">([^<]+)</h3>')
CRUMBS = re.compile(r'<nav class="breadcrumbs".*?</nav>', re.S)


def crumbs(html: str) -> list[str]:
    found = CRUMBS.search(html)
    assert found, "the page has no breadcrumbs"
    return [text.strip() for text in re.findall(r"<li>\s*<[^>]+>([^<]+)<", found.group(0))]


async def test_all_products_page_shows_more_without_javascript(
    client: httpx.AsyncClient, make_product: MakeProduct, make_category
) -> None:
    kitchen = await make_category(name="Kitchen")
    for number in range(14):
        await make_product(name=f"Bowl {number:02d}", price=1000 + number, category=kitchen)
    first = await client.get("/products")
    assert first.status_code == 200
    assert crumbs(first.text) == ["Vitrina", "All products"]
    assert len(CARD_TITLES.findall(first.text)) == 12
    more = re.search(r'<a href="([^"]+)" rel="next"[^>]*hx-get="([^"]+)"', first.text)
    assert more, "no 'Show more' link"
    assert more.group(1) == more.group(2)  # the same page with or without htmx
    assert 'hx-select="#product-grid > *" hx-target="#product-grid"' in first.text
    second = await client.get(more.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    titles = CARD_TITLES.findall(second.text)
    assert len(titles) == 2 and set(titles).isdisjoint(CARD_TITLES.findall(first.text))
    assert "Page 2" in second.text and 'rel="first"' in second.text
    assert 'id="show-more"' in second.text and 'rel="next"' not in second.text
    assert '<meta name="robots" content="noindex, follow">' in second.text
    home = await client.get("/")
    assert 'href="/products"' in home.text


async def test_listings_say_how_many_products_match(
    client: httpx.AsyncClient, make_product: MakeProduct, make_category
) -> None:
    lamps = await make_category(name="Lamps")
    for number in range(13):
        await make_product(name=f"Lamp {number}", category=lamps)
    await make_product(name="Mug")
    assert "14 products" in (await client.get("/products")).text
    assert "13 products" in (await client.get("/category/lamps")).text
    russian = await client.get("/category/lamps", headers={"Accept-Language": "ru"})
    assert "13 товаров" in russian.text


async def test_breadcrumbs_start_at_the_shop_even_under_a_category_named_home(
    client: httpx.AsyncClient, make_product: MakeProduct, make_category
) -> None:
    home = await make_category(name="Home")
    lighting = await make_category(name="Lighting", parent=home)
    lamp = await make_product(name="Desk lamp", category=lighting)
    category = await client.get(f"/category/{lighting.slug}")
    assert crumbs(category.text) == ["Vitrina", "Home", "Lighting"]
    assert '<span aria-current="page">Lighting</span>' in category.text
    product = await client.get(f"/product/{lamp.slug}")
    assert crumbs(product.text) == ["Vitrina", "Home", "Lighting", "Desk lamp"]


async def test_product_page_shows_its_stock(
    client: httpx.AsyncClient, make_product: MakeProduct
) -> None:
    plenty = await make_product(name="Teapot", stock=40)
    few = await make_product(name="Vase", stock=3)
    gone = await make_product(name="Pendant", stock=0)
    shown = await client.get(f"/product/{plenty.slug}")
    assert "In stock" in shown.text and "Add to basket</button>" in shown.text
    assert "disabled" not in shown.text.split('class="buy-box"')[1].split("</form>")[0]
    assert "Only 3 left" in (await client.get(f"/product/{few.slug}")).text
    sold_out = await client.get(f"/product/{gone.slug}")
    form = sold_out.text.split('class="buy-box"')[1].split("</form>")[0]
    assert '<span class="stock stock-out" id="stock-state">Out of stock</span>' in sold_out.text
    assert re.search(r'<button type="submit"[^>]* disabled aria-describedby="stock-state"', form)
    russian = await client.get(f"/product/{gone.slug}", headers={"Accept-Language": "ru"})
    assert "Нет в наличии" in russian.text


async def test_the_badge_is_empty_on_the_page_after_payment(
    client: httpx.AsyncClient,
    make_product: MakeProduct,
    customer: User,
    session: AsyncSession,
    settings: Settings,
) -> None:
    teapot = await make_product(name="Teapot", price=30_00, stock=5)
    await web_login(client, customer.email)
    token = csrf_from((await client.get(f"/product/{teapot.slug}")).text)
    await client.post(
        "/basket/items",
        data={"product_id": teapot.id, "quantity": 3, "next": "/", "csrf_token": token},
    )
    assert ">3</span>" in badge((await client.get("/basket")).text)[1]
    paying = await client.post("/checkout", data={"csrf_token": token})
    assert paying.status_code == 303
    checkout = await session.scalar(select(CheckoutSession))
    assert checkout is not None and checkout.url == paying.headers["location"]
    assert settings.stripe_api_base
    async with httpx.AsyncClient(base_url=settings.stripe_api_base) as stripe_controls:
        paid = await stripe_controls.post(
            f"/_emulator/checkout/sessions/{checkout.id}/complete", json={"outcome": "paid"}
        )
        paid.raise_for_status()
    success = await client.get(
        "/checkout/success", params={"code": checkout.unique_code, "session_id": checkout.id}
    )
    assert success.status_code == 200, success.text[:300]
    assert "Thank you for your order!" in success.text
    attributes, text = badge(success.text)
    assert "basket-count" not in text and "aria-label" not in attributes
