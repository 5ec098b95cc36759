"""The product page's option picker, without JavaScript: a GET form reloads the page for the
chosen variant; price, stock and SKU follow it; what cannot be bought is disabled."""

from __future__ import annotations

import re

import httpx

from fixtures.catalog import MakeProduct
from storefront.helpers import csrf_from


async def test_choose_a_size_and_put_it_in_the_basket(
    client: httpx.AsyncClient, make_product: MakeProduct, staff_headers: dict[str, str]
) -> None:
    shirt = await make_product(name="Shirt", price=1490, stock=0)
    r = await client.post(
        f"/api/v1/products/{shirt.id}/options",
        json={"name": "Size", "name_ru": "Размер", "values": [{"value": "M"}, {"value": "XL"}]},
        headers=staff_headers,
    )
    ids = {v["value"]: v["id"] for v in r.json()["options"][0]["values"]}
    for size, price, stock in (("M", 1490, 0), ("XL", 1690, 4)):
        r = await client.post(
            f"/api/v1/products/{shirt.id}/variants",
            json={"values": [ids[size]], "sku": f"SH-{size}", "price": price, "stock": stock},
            headers=staff_headers,
        )
        assert r.status_code == 201, r.text

    page = await client.get(f"/product/{shirt.slug}")  # the first variant in stock
    assert '<p class="price">$16.90</p>' in page.text and "SKU: SH-XL" in page.text
    assert re.search(r'<option value="m" disabled>M \(not available\)</option>', page.text)
    chosen = await client.get(f"/product/{shirt.slug}?size=m")
    assert '<p class="price">$14.90</p>' in chosen.text
    form = chosen.text.split('class="buy-box"')[1].split("</form>")[0]
    assert re.search(r'<button type="submit"[^>]* disabled', form)
    russian = await client.get(f"/product/{shirt.slug}?size=xl", headers={"Accept-Language": "ru"})
    assert '<label for="option-size">Размер</label>' in russian.text

    xl = await client.get(f"/product/{shirt.slug}?size=xl")
    variant = re.search(r'name="variant_id" value="(\d+)"', xl.text)
    assert variant
    added = await client.post(
        "/basket/items",
        data={
            "csrf_token": csrf_from(xl.text),
            "product_id": str(shirt.id),
            "variant_id": variant.group(1),
            "quantity": "2",
            "next": f"/product/{shirt.slug}?size=xl",
        },
    )
    assert added.status_code == 303, added.text[:300]
    basket = await client.get("/basket")
    assert "Size: XL" in basket.text and "$33.80" in basket.text
