"""The storefront's search and category pages: "Did you mean", counts and facets, both languages."""

from __future__ import annotations

import re
from html import unescape

import httpx

RU = {"Accept-Language": "ru"}


def _links(html: str, css_class: str) -> dict[str, str]:
    """Link text -> href inside the first element with `css_class`."""
    start = html.index(f'class="{css_class}')
    block = html[start : html.index("</nav>", start)]
    return {
        re.sub(r"\s+", " ", unescape(text)).strip(): unescape(href)
        for href, text in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', block, re.S)
    }


async def test_a_misspelt_search_shows_what_it_found_instead(
    client: httpx.AsyncClient, make_product
) -> None:
    await make_product(name="Studio Headphones")
    page = await client.get("/search", params={"q": "hedphones"})
    assert page.status_code == 200
    text = unescape(page.text)
    assert "Nothing matched “hedphones”. Showing results for “headphones”." in text
    assert "Studio" in text and "1 product found" in text
    russian = unescape((await client.get("/search", params={"q": "hedphones"}, headers=RU)).text)
    assert "Показаны результаты для «headphones»" in russian and "Найден 1 товар" in russian


async def test_few_results_offer_a_link_to_the_better_spelling(
    client: httpx.AsyncClient, make_product
) -> None:
    await make_product(name="Studio Headphones")
    await make_product(name="Travel Headphones")
    await make_product(name="Stand", description="For hedphones.")
    page = unescape((await client.get("/search", params={"q": "hedphones"})).text)
    assert 'Did you mean <a href="/search?q=headphones">headphones</a>?' in page


async def test_symbols_alone_find_nothing_on_the_page(
    client: httpx.AsyncClient, make_product
) -> None:
    await make_product(name="Lamp")
    for q in ("%", "_", "*", "..."):
        page = await client.get("/search", params={"q": q})
        assert "Nothing found. Try other words." in page.text and "Lamp" not in page.text


async def test_facets_filter_the_search_by_category_and_price(
    client: httpx.AsyncClient, make_product, make_category
) -> None:
    lamps, desks = await make_category(name="Lamps"), await make_category(name="Desks")
    await make_product(name="Oak Lamp", price=1500, category=lamps)
    await make_product(name="Oak Desk", price=30000, category=desks)
    await make_product(name="Oak Shelf Lamp", price=2000, category=lamps)
    page = await client.get("/search", params={"q": "oak"})
    assert "3 products found" in page.text
    categories = _links(page.text, "card facets")
    assert set(categories) >= {"Lamps", "Desks", "$10.00 – $25.00", "$250.00 – $500.00"}
    only_lamps = await client.get(categories["Lamps"])
    assert "2 products found" in only_lamps.text and "Oak Desk" not in only_lamps.text
    assert "All categories" in only_lamps.text
    cheap = await client.get(categories["$10.00 – $25.00"])
    assert "2 products found" in cheap.text and "Oak Desk" not in cheap.text


async def test_a_category_page_counts_its_products_in_the_shoppers_language(
    client: httpx.AsyncClient, make_product, make_category
) -> None:
    home = await make_category(name="Home", name_ru="Дом")
    kitchen = await make_category(name="Kitchen", name_ru="Кухня", parent=home)
    garden = await make_category(name="Garden", name_ru="Сад", parent=home)
    await make_product(name="Kettle", name_ru="Чайник", category=kitchen, price=2000)
    await make_product(name="Rake", name_ru="Грабли", category=garden, price=3000)
    page = await client.get("/category/дом", headers=RU)
    assert page.status_code == 200
    text = unescape(page.text)
    assert "<h1>Дом</h1>" in text and "Чайник" in text and "Грабли" in text
    assert "Найдено 2 товара" in text
    facets = _links(page.text, "card facets")
    assert facets["Кухня"].startswith("/category/кухня")
    english = unescape((await client.get("/category/дом")).text)
    assert "<h1>Home</h1>" in english and "Kettle" in english and "2 products found" in english
