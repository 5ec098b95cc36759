"""The header's basket link counts the items; service messages reach Russian pages translated."""

from __future__ import annotations

import re

import httpx
from babel.messages.pofile import read_po

from fixtures.catalog import MakeProduct
from storefront.helpers import csrf_from, web_login
from vitrina.accounts.models import User
from vitrina.reads import recorded_statements
from vitrina.storefront import i18n
from vitrina.storefront.messages import FIXED, PATTERNS

BADGE = re.compile(r'<a href="/basket" class="nav-link" id="basket-link"([^>]*)>(.*?)</a>', re.S)


def badge(html: str) -> tuple[str, str]:
    found = BADGE.search(html)
    assert found, "the header has no basket link"
    return found.group(1), found.group(2)


async def add(client: httpx.AsyncClient, product_id: int, quantity: int, **headers: str) -> str:
    token = csrf_from((await client.get("/")).text)
    response = await client.post(
        "/basket/items",
        data={"product_id": product_id, "quantity": quantity, "next": "/", "csrf_token": token},
        headers=headers,
    )
    assert response.status_code in (200, 303), response.text[:500]
    return response.text


async def test_basket_link_counts_items_for_logged_in_customers(
    client: httpx.AsyncClient, make_product: MakeProduct, customer: User
) -> None:
    mug = await make_product(name="Mug", stock=10)
    bowl = await make_product(name="Bowl", stock=10)
    attributes, text = badge((await client.get("/")).text)
    assert "basket-count" not in text and "aria-label" not in attributes

    await web_login(client, customer.email)
    attributes, text = badge((await client.get("/")).text)
    assert "basket-count" not in text

    await add(client, mug.id, 2)
    partial = await add(client, bowl.id, 1, **{"HX-Request": "true"})
    attributes, text = badge(partial)
    assert 'hx-swap-oob="true"' in attributes and ">3</span>" in text
    assert 'aria-label="Basket, 3 items"' in attributes

    home = await client.get("/")
    attributes, text = badge(home.text)
    assert 'id="basket-count"' in text and ">3</span>" in text
    assert "hx-swap-oob" not in attributes
    russian = await client.get("/", headers={"Accept-Language": "ru"})
    assert 'aria-label="Корзина, 3 товара"' in badge(russian.text)[0]


async def test_the_count_costs_one_query_per_page(
    client: httpx.AsyncClient, make_product: MakeProduct, customer: User
) -> None:
    mug = await make_product(name="Mug", stock=10)
    await web_login(client, customer.email)
    await add(client, mug.id, 1)
    with recorded_statements() as recorded:
        await client.get("/account")
    statements = [sql for sql, _ in recorded]
    counts = [s for s in statements if "sum(basket_items.quantity)" in s]
    assert len(counts) == 1
    assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE")) for s in statements)


async def test_service_messages_on_russian_pages(
    client: httpx.AsyncClient, make_product: MakeProduct, customer: User
) -> None:
    lamp = await make_product(name="Lamp", stock=1)
    client.cookies.set("lang", "ru")
    await web_login(client, customer.email)

    missing = await add(client, 987_654, 1, **{"HX-Request": "true"})
    assert "Товара 987654 не существует." in missing
    short = await add(client, lamp.id, 3, **{"HX-Request": "true"})
    assert "«Lamp» осталось только 1 шт." in short
    assert "left in stock" not in short

    await add(client, lamp.id, 1)
    token = csrf_from((await client.get("/basket")).text)
    await client.post("/basket/promo", data={"code": "NOPE", "csrf_token": token})
    basket = await client.get("/basket")
    assert "Промокода «NOPE» не существует." in basket.text


def test_every_service_message_has_a_russian_translation() -> None:
    path = i18n.LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po_file:
        catalog = read_po(po_file)
    messages = set(FIXED) | {message for _pattern, message in PATTERNS}
    untranslated = [m for m in messages if not (catalog.get(m) and catalog.get(m).string)]
    assert untranslated == []
    russian = i18n.translations("ru")
    for message in messages:
        assert russian.gettext(message) != message
