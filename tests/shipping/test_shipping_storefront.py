"""The basket page shows the shipping options to the country the shopper picks, remembers
it, and checkout opens Stripe's page for that country's zone."""

from __future__ import annotations

import re

from storefront.helpers import csrf_from


async def _add(client, product, quantity: int = 1) -> None:
    token = csrf_from((await client.get(f"/product/{product.slug}")).text)
    r = await client.post(
        "/basket/items",
        data={"product_id": product.id, "quantity": quantity, "next": "/", "csrf_token": token},
    )
    assert r.status_code in (200, 303), r.text[:500]


def _options(html: str) -> list[str]:
    block = re.search(r'<ul class="shipping-options".*?</ul>', html, re.S)
    assert block, "no shipping options on the page"
    items = re.findall(r"<li>(.*?)</li>", block.group(0), re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip() for item in items]


async def test_the_basket_page_shows_shipping_for_the_chosen_country(
    client, make_product, europe, emulator
) -> None:
    await europe()
    lamp = await make_product(name="Lamp", price=4000, stock=9, weight_grams=700)
    await _add(client, lamp)

    page = await client.get("/basket?country=FR")
    assert page.status_code == 200
    assert page.cookies.get("vitrina_country") == "FR"
    assert '<option value="FR" selected>France</option>' in page.text
    assert _options(page.text) == [
        "Pickup in Berlin: $2.00",
        "Post: $5.00, 3–6 business days",
        "Courier: $15.00, 1–2 business days",
    ]
    assert "$42.00" in page.text

    client.cookies.set("lang", "ru")
    russian = await client.get("/basket")
    assert "Франция" in russian.text and "рабочих дн." in russian.text
    client.cookies.set("lang", "en")

    nowhere = await client.get("/basket?country=US")
    assert "We do not ship to US." in nowhere.text

    opened = await client.post(
        "/checkout/guest",
        data={"csrf_token": csrf_from((await client.get("/basket?country=NL")).text)},
    )
    assert opened.status_code == 303
    session_id = opened.headers["location"].rsplit("/", 1)[-1].split("?")[0]
    remote = await emulator.session(session_id)
    assert remote.amount_total == 4200
    assert remote.shipping_address_collection.allowed_countries == ["DE", "FR", "NL"]
