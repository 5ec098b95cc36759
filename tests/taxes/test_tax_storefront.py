"""The basket page shows tax as the store charges it: added, included, or at checkout."""

from __future__ import annotations

import re

from storefront.helpers import csrf_from


def _tax_row(html: str) -> str:
    found = re.search(r'<tr id="basket-tax">(.*?)</tr>', html, re.S)
    assert found, "no tax row"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


async def test_the_basket_shows_tax(
    client, staff_headers, make_product, settings, monkeypatch
) -> None:
    await client.post(
        "/api/v1/tax-rates", json={"country": "DE", "percentage": "19"}, headers=staff_headers
    )
    lamp = await make_product(name="Lamp", price=10000, stock=5)
    token = csrf_from((await client.get(f"/product/{lamp.slug}")).text)
    await client.post(
        "/basket/items",
        data={"product_id": lamp.id, "quantity": 1, "next": "/", "csrf_token": token},
    )
    page = await client.get("/basket?country=DE")
    assert 'id="basket-tax"' not in page.text

    monkeypatch.setattr(settings, "tax_mode", "manual")
    page = await client.get("/basket")
    assert _tax_row(page.text) == "Tax $19.00"
    assert "$119.00" in page.text
    monkeypatch.setattr(settings, "prices_include_tax", True)
    page = await client.get("/basket")
    assert _tax_row(page.text) == "Including tax $15.97"
    monkeypatch.setattr(settings, "tax_mode", "automatic")
    client.cookies.set("lang", "ru")
    page = await client.get("/basket")
    assert _tax_row(page.text) == "Налог Рассчитывается при оплате"


async def test_the_product_page_says_how_tax_applies_where_the_shopper_is(
    client, make_product, settings, monkeypatch
) -> None:
    lamp = await make_product(name="Lamp", price=10000, stock=5)
    page = await client.get(f"/product/{lamp.slug}")
    assert 'id="price-note"' not in page.text
    monkeypatch.setattr(settings, "tax_mode", "manual")
    client.cookies.set("vitrina_country", "US")
    assert "Plus tax, calculated at checkout." in (await client.get(f"/product/{lamp.slug}")).text
    client.cookies.set("vitrina_country", "DE")
    monkeypatch.setattr(settings, "prices_include_tax", True)
    assert "Price includes VAT." in (await client.get(f"/product/{lamp.slug}")).text
    client.cookies.set("lang", "ru")
    assert "Цена включает НДС." in (await client.get(f"/product/{lamp.slug}")).text
