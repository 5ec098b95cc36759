"""Pages render with data, carry security headers, refuse forged forms, speak two languages."""

from __future__ import annotations

import re

import httpx
import pytest

from fixtures.catalog import MakeProduct
from storefront.helpers import csrf_from, page_token, web_login
from vitrina.accounts.models import User
from vitrina.storefront.static_files import static_url


async def test_home_renders_with_security_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    cookie = response.headers["set-cookie"]
    assert "vitrina_session=" in cookie
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()  # http://testserver is not HTTPS


async def test_catalog_pages_show_products(
    client: httpx.AsyncClient, make_product: MakeProduct, make_category
) -> None:
    lamps = await make_category(name="Lamps")
    await make_product(name="Brass desk lamp", price=12_50, stock=3, category=lamps)
    await make_product(name="Hidden lamp", category=lamps, is_active=False)

    home = await client.get("/")
    assert "Brass desk lamp" in home.text and "Hidden lamp" not in home.text
    assert "/category/lamps" in home.text

    listing = await client.get("/category/lamps", params={"sort": "price_asc"})
    assert listing.status_code == 200
    assert "Brass desk lamp" in listing.text and "$12.50" in listing.text

    found = await client.get("/search", params={"q": "brass"})
    assert "<mark>Brass</mark> desk lamp" in found.text

    product = await client.get("/product/brass-desk-lamp")
    assert product.status_code == 200
    assert 'alt="Brass desk lamp"' in product.text
    assert "Only 3 left" in product.text

    missing = await client.get("/product/hidden-lamp")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]


async def test_bad_filter_is_shown_next_to_its_field(
    client: httpx.AsyncClient, make_category
) -> None:
    await make_category(name="Chairs")
    response = await client.get("/category/chairs", params={"min_price": "cheap"})
    assert response.status_code == 200
    assert 'id="min_price-error"' in response.text
    assert 'aria-invalid="true"' in response.text


async def test_form_without_csrf_token_is_refused(
    client: httpx.AsyncClient, customer: User
) -> None:
    await page_token(client)
    forged = await client.post(
        "/login", data={"email": customer.email, "password": "Passw0rd!x", "next": "/"}
    )
    assert forged.status_code == 403
    wrong = await client.post(
        "/login",
        data={"email": customer.email, "password": "Passw0rd!x", "csrf_token": "guess"},
    )
    assert wrong.status_code == 403
    assert (await client.get("/account")).status_code == 303  # still not logged in


async def test_another_sessions_token_is_refused(client: httpx.AsyncClient, app) -> None:
    token = await page_token(client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        await other.get("/login")
        response = await other.post("/logout", data={"csrf_token": token})
    assert response.status_code == 403


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]
)
async def test_next_must_be_a_local_path(
    client: httpx.AsyncClient, customer: User, target: str
) -> None:
    token = await page_token(client)
    response = await client.post(
        "/login",
        data={
            "email": customer.email,
            "password": "Passw0rd!x",
            "next": target,
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"


async def test_account_needs_login_and_lists_nothing_for_a_new_customer(
    client: httpx.AsyncClient, customer: User
) -> None:
    response = await client.get("/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account"
    await web_login(client, customer.email)
    account = await client.get("/account")
    assert account.status_code == 200 and "You have no orders yet." in account.text


async def test_register_shows_errors_next_to_fields(client: httpx.AsyncClient) -> None:
    token = await page_token(client, "/register")
    response = await client.post(
        "/register", data={"email": "not-an-email", "password": "short", "csrf_token": token}
    )
    assert response.status_code == 400
    assert 'id="email-error"' in response.text and 'id="password-error"' in response.text
    ok = await client.post(
        "/register",
        data={"email": "new@example.com", "password": "Longer-pass-1", "csrf_token": token},
    )
    assert ok.status_code == 303
    assert (await client.get("/account")).status_code == 200


async def test_language_from_accept_language_and_switcher(
    client: httpx.AsyncClient, make_product: MakeProduct
) -> None:
    await make_product(name="Samovar", price=123_456_78)
    russian = await client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert '<html lang="ru">' in russian.text
    assert "Корзина" in russian.text
    assert "123\xa0456,78\xa0$" in russian.text

    english = await client.get("/", headers={"Accept-Language": "de-DE,en;q=0.8"})
    assert '<html lang="en">' in english.text and "Basket" in english.text
    assert "$123,456.78" in english.text

    switched = await client.get("/lang/ru", params={"next": "/search?q=x"})
    assert switched.status_code == 303 and switched.headers["location"] == "/search?q=x"
    after = await client.get("/", headers={"Accept-Language": "en"})
    assert '<html lang="ru">' in after.text

    refused = await client.get("/lang/ru", params={"next": "https://evil.example/"})
    assert refused.headers["location"] == "/"


async def test_a_crash_is_a_friendly_page_for_pages_and_json_for_the_api(
    app, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vitrina.catalog import service as catalog_service

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the catalog fell over")

    monkeypatch.setattr(catalog_service, "search_products", broken)  # the pages
    monkeypatch.setattr(catalog_service, "list_products", broken)  # the API
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        page = await c.get("/")
        api = await c.get("/api/v1/products")
    assert page.status_code == 500 and "text/html" in page.headers["content-type"]
    assert "Something went wrong" in page.text and "fell over" not in page.text
    assert api.status_code == 500 and api.json() == {"detail": "Internal server error."}


async def test_add_to_basket_without_reload_for_htmx(
    client: httpx.AsyncClient, make_product: MakeProduct, customer: User
) -> None:
    product = await make_product(name="Tea cosy", stock=2)
    page = await client.get(f"/product/{product.slug}")
    assert 'hx-post="/basket/items"' in page.text
    htmx = static_url("vendor/htmx-2.0.11.min.js")
    assert f'<script src="{htmx}" defer></script>' in page.text
    form = {
        "product_id": product.id,
        "quantity": 1,
        "next": f"/product/{product.slug}",
        "csrf_token": csrf_from(page.text),
    }
    guest = await client.post("/basket/items", data=form, headers={"HX-Request": "true"})
    assert guest.status_code == 200 and "Added to your basket." in guest.text
    assert "<html" not in guest.text

    await web_login(client, customer.email)
    page = await client.get(f"/product/{product.slug}")
    form["csrf_token"] = csrf_from(page.text)
    added = await client.post("/basket/items", data=form, headers={"HX-Request": "true"})
    assert added.status_code == 200 and "Added to your basket." in added.text
    too_many = await client.post(
        "/basket/items", data={**form, "quantity": 5}, headers={"HX-Request": "true"}
    )
    assert 'class="alert alert-error"' in too_many.text
    basket = await client.get("/basket")
    assert 'value="2"' in basket.text and "Tea cosy" in basket.text  # the guest's one, and one

    bad = await client.post("/basket/items", data={**form, "quantity": "lots"})
    assert bad.status_code == 422 and "text/html" in bad.headers["content-type"]


async def test_category_pages_follow_the_catalogs_cursor(
    client: httpx.AsyncClient, make_product: MakeProduct, make_category
) -> None:
    shelves = await make_category(name="Shelves")
    for number in range(15):
        await make_product(name=f"Shelf {number:02d}", price=1000 + number, category=shelves)
    first = await client.get("/category/shelves", params={"sort": "price_asc"})
    assert first.text.count('class="card product-card"') == 12
    assert "Shelf 00" in first.text and "Shelf 12" not in first.text
    next_link = re.search(r'href="(/category/shelves\?[^"]+)" rel="next"', first.text)
    assert next_link is not None
    second = await client.get(next_link.group(1).replace("&amp;", "&"))
    assert second.text.count('class="card product-card"') == 3
    assert "Shelf 12" in second.text and "Shelf 00" not in second.text
    assert 'rel="next"' not in second.text and 'rel="first"' in second.text
    assert "Page 2" in second.text


async def test_staff_see_a_link_to_the_admin_and_customers_do_not(
    client: httpx.AsyncClient, customer: User, staff: User
) -> None:
    await web_login(client, customer.email)
    assert 'href="/admin/"' not in (await client.get("/")).text
    client.cookies.clear()
    await web_login(client, staff.email)
    assert 'href="/admin/"' in (await client.get("/")).text
