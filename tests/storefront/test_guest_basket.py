"""A guest's basket on the pages: fill it, pay -> log in or register, find it all kept."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fixtures.catalog import MakeProduct
from storefront.helpers import csrf_from
from storefront.test_basket_header import badge
from vitrina.accounts.models import User
from vitrina.basket.guest import GUEST_COOKIE
from vitrina.basket.models import Basket


async def post_form(
    client: httpx.AsyncClient,
    path: str,
    page: str,
    headers: dict[str, str] | None = None,
    **data: object,
) -> httpx.Response:
    """Submit a form the way the page at `page` does (with its CSRF token)."""
    token = csrf_from((await client.get(page)).text)
    return await client.post(path, data={**data, "csrf_token": token}, headers=headers)


async def test_guest_fills_a_basket_then_logs_in_to_pay_and_keeps_it(
    client: httpx.AsyncClient, make_product: MakeProduct, customer: User, session: AsyncSession
) -> None:
    scarf = await make_product(name="Wool scarf", price=25_00, stock=4)
    hat = await make_product(name="Felt hat", price=40_00, stock=1)
    added = await post_form(
        client,
        "/basket/items",
        f"/product/{scarf.slug}",
        product_id=scarf.id,
        quantity=2,
        next=f"/product/{scarf.slug}",
    )
    assert added.status_code == 303
    assert added.headers["location"] == f"/product/{scarf.slug}"  # no detour to log in
    assert GUEST_COOKIE in client.cookies
    product_page = await client.get(f"/product/{scarf.slug}")
    assert 'class="notice notice-success"' in product_page.text
    assert ">2</span>" in badge(product_page.text)[1]
    partial = await post_form(
        client,
        "/basket/items",
        f"/product/{hat.slug}",
        {"HX-Request": "true"},
        product_id=hat.id,
        quantity=1,
    )
    assert ">3</span>" in badge(partial.text)[1]

    basket = await client.get("/basket")
    assert "Wool scarf" in basket.text and "Felt hat" in basket.text
    paying = await post_form(client, "/checkout", "/basket")
    assert paying.status_code == 303
    login = urlsplit(paying.headers["location"])
    assert login.path == "/login" and parse_qs(login.query)["next"] == ["/basket"]
    login_page = await client.get(paying.headers["location"])
    assert "Log in or create an account to pay. Your basket will be kept." in login_page.text
    assert 'class="notice notice-info"' in login_page.text

    hat.stock = 0  # sold out meanwhile: the merge says so
    await session.commit()
    logged_in = await client.post(
        "/login",
        data={
            "email": customer.email,
            "password": "Passw0rd!x",
            "next": "/basket",
            "csrf_token": csrf_from(login_page.text),
        },
    )
    assert logged_in.status_code == 303 and logged_in.headers["location"] == "/basket"
    assert GUEST_COOKIE not in client.cookies
    kept = await client.get("/basket")
    assert "Wool scarf" in kept.text
    assert 'class="notice notice-warning"' in kept.text
    assert "“Felt hat” is out of stock." in kept.text
    owners = (await session.execute(select(Basket.user_id, Basket.guest_key))).all()
    assert owners == [(customer.id, None)]


async def test_registering_keeps_the_guest_basket_in_russian(
    client: httpx.AsyncClient, make_product: MakeProduct, session: AsyncSession
) -> None:
    client.cookies.set("lang", "ru")
    lamp = await make_product(name="Brass lamp", price=89_00, stock=6)
    await post_form(
        client, "/basket/items", f"/product/{lamp.slug}", product_id=lamp.id, quantity=2
    )
    register_page = await client.get("/register?next=/basket")
    registered = await client.post(
        "/register",
        data={
            "email": "new@example.com",
            "password": "Passw0rd!x",
            "full_name": "Nina",
            "next": "/basket",
            "csrf_token": csrf_from(register_page.text),
        },
    )
    assert registered.status_code == 303, registered.text[:500]
    basket = await client.get("/basket")
    assert "Brass lamp" in basket.text
    assert "Мы добавили вашу корзину в корзину аккаунта." in basket.text
    assert ">2</span>" in badge(basket.text)[1]
    user_id = await session.scalar(select(User.id).where(User.email == "new@example.com"))
    owners = (await session.execute(select(Basket.user_id, Basket.guest_key))).all()
    assert owners == [(user_id, None)]


async def test_out_of_stock_is_an_error_not_a_success(
    client: httpx.AsyncClient, make_product: MakeProduct, session: AsyncSession
) -> None:
    pendant = await make_product(name="Paper pendant", stock=1)
    page = f"/product/{pendant.slug}"
    token = csrf_from((await client.get(page)).text)
    pendant.stock = 0  # the last one sold while the page was open
    await session.commit()
    refused = await client.post(
        "/basket/items",
        data={"product_id": pendant.id, "quantity": 1, "next": page, "csrf_token": token},
    )
    assert refused.status_code == 303
    shown = await client.get(page)
    assert 'class="notice notice-error" role="alert"' in shown.text
    assert "“Paper pendant” is out of stock." in shown.text
    assert GUEST_COOKIE not in client.cookies  # nothing was added: no basket, no cookie
