"""The catalogue in two languages: what staff write, what shoppers see, which URLs resolve."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import Product
from vitrina.config import Settings
from vitrina.reads import recorded_statements

LIST = "/api/v1/products"


async def test_staff_write_each_language_and_shoppers_read_their_own(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_category
) -> None:
    category = await make_category(name="Audio", name_ru="Аудио")
    created = await client.post(
        "/api/v1/products",
        json={
            "name": "Studio Headphones",
            "name_ru": "Студийные наушники",
            "description": "Closed back.",
            "description_ru": "Закрытого типа.",
            "price": 9900,
            "category_id": category.id,
        },
        headers=staff_headers,
    )
    assert created.status_code == 201, created.text
    staff_view = created.json()
    assert (staff_view["name_en"], staff_view["name_ru"]) == (
        "Studio Headphones",
        "Студийные наушники",
    )
    assert staff_view["slugs"] == {"en": "studio-headphones", "ru": "студийные-наушники"}

    by_header = await client.get(
        "/api/v1/products/studio-headphones", headers={"Accept-Language": "ru-RU,ru;q=0.9"}
    )
    assert by_header.headers["content-language"] == "ru"
    assert "Accept-Language" in by_header.headers["vary"]
    russian = by_header.json()
    assert (russian["name"], russian["description"], russian["slug"]) == (
        "Студийные наушники",
        "Закрытого типа.",
        "студийные-наушники",
    )
    assert russian["breadcrumb"][0]["name"] == "Аудио"
    assert "name_ru" not in russian  # the stored texts are for staff

    by_russian_slug = (await client.get("/api/v1/products/студийные-наушники")).json()
    assert (by_russian_slug["name"], by_russian_slug["slug"]) == (
        "Studio Headphones",
        "studio-headphones",
    )
    listed = (await client.get(LIST, params={"lang": "ru"})).json()["items"][0]
    assert (listed["name"], listed["slug"]) == ("Студийные наушники", "студийные-наушники")
    in_category = await client.get(LIST, params={"category": "аудио", "lang": "en"})
    assert [item["name"] for item in in_category.json()["items"]] == ["Studio Headphones"]


async def test_a_missing_translation_falls_back_to_the_store_language(
    client: httpx.AsyncClient, make_product
) -> None:
    product = await make_product(name="Desk Lamp", description="Brass.")
    russian = (await client.get(f"/api/v1/products/{product.id}", params={"lang": "ru"})).json()
    assert (russian["name"], russian["description"], russian["slug"]) == (
        "Desk Lamp",
        "Brass.",
        "desk-lamp",
    )
    assert russian["slugs"] == {"en": "desk-lamp", "ru": "desk-lamp"}


async def test_the_store_language_column_is_the_main_field(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_product, session: AsyncSession
) -> None:
    product = await make_product(name="Lamp")
    renamed = await client.patch(
        f"/api/v1/products/{product.id}",
        json={"name_en": "Brass Lamp", "name_ru": "Латунная лампа", "slug_ru": "латунная-лампа"},
        headers=staff_headers,
    )
    assert renamed.status_code == 200, renamed.text
    session.expunge_all()
    stored = await session.get(Product, product.id)
    assert stored is not None
    assert (stored.name, stored.name_en, stored.name_ru, stored.slug_ru) == (
        "Brass Lamp",
        None,
        "Латунная лампа",
        "латунная-лампа",
    )
    assert stored.sync_state == "pending"  # Stripe's product carries the main name
    cleared = await client.patch(
        f"/api/v1/products/{product.id}", json={"name_ru": ""}, headers=staff_headers
    )
    assert (cleared.json()["name_ru"], cleared.json()["slug_ru"]) == (None, None)


async def test_slugs_are_unique_across_languages(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_product
) -> None:
    await make_product(name="Lamp", name_ru="Лампа")
    other = await make_product(name="Desk")
    taken = await client.patch(
        f"/api/v1/products/{other.id}", json={"slug_ru": "lamp"}, headers=staff_headers
    )
    assert taken.status_code == 409 and "lamp" in taken.json()["detail"]
    same_name = await make_product(name="Table", name_ru="Лампа")
    page = (await client.get(f"/api/v1/products/{same_name.id}", params={"lang": "ru"})).json()
    assert page["slug"] == "лампа-2"


async def test_a_store_in_russian_shows_its_main_text_and_english_where_given(
    client: httpx.AsyncClient, make_product, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "store_language", "ru")
    product = await make_product(name="Настольная лампа", name_en="Desk Lamp")
    other = await make_product(name="Чайник")
    default = (await client.get(f"/api/v1/products/{product.id}")).json()
    english = (await client.get(f"/api/v1/products/{product.id}", params={"lang": "en"})).json()
    untranslated = (await client.get(f"/api/v1/products/{other.id}", params={"lang": "en"})).json()
    assert (default["name"], default["language"]) == ("Настольная лампа", "ru")
    assert (english["name"], english["slug"]) == ("Desk Lamp", "desk-lamp")
    assert untranslated["name"] == "Чайник"


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_lists_read_every_language_in_one_query(
    client: httpx.AsyncClient, make_product, make_category, language: str
) -> None:
    category = await make_category(name="Shelf", name_ru="Полка")
    for n in range(12):
        await make_product(name=f"Book {n}", name_ru=f"Книга {n}", category=category)
    for params, expected in (({}, 1), ({"category": "полка"}, 2), ({"sort": "name"}, 1)):
        with recorded_statements() as statements:
            body = (await client.get(LIST, params={**params, "lang": language})).json()
        assert len(body["items"]) == 12
        assert len(statements) == expected, statements
    with recorded_statements() as statements:
        page = await client.get(f"/api/v1/products/{body['items'][0]['slug']}")
    assert page.status_code == 200 and len(statements) == 2  # the product, its breadcrumb


async def test_name_sort_follows_the_shoppers_language(
    client: httpx.AsyncClient, make_product
) -> None:
    await make_product(name="Apple", name_ru="Яблоко")
    await make_product(name="Pear", name_ru="Груша")
    english = (await client.get(LIST, params={"sort": "name"})).json()["items"]
    russian = (await client.get(LIST, params={"sort": "name", "lang": "ru", "limit": 1})).json()
    assert [item["name"] for item in english] == ["Apple", "Pear"]
    assert russian["items"][0]["name"] == "Груша"
    after = await client.get(
        LIST, params={"sort": "name", "lang": "ru", "limit": 1, "cursor": russian["next_cursor"]}
    )
    assert [item["name"] for item in after.json()["items"]] == ["Яблоко"]


async def test_categories_in_the_shoppers_language(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_category
) -> None:
    home = await make_category(name="Home", name_ru="Дом")
    await make_category(name="Kitchen", name_ru="Кухня", parent=home)
    tree = (await client.get("/api/v1/categories", headers={"Accept-Language": "ru"})).json()
    assert [(c["name"], c["slug"]) for c in tree] == [("Дом", "дом")]
    assert [c["name"] for c in tree[0]["children"]] == ["Кухня"]
    kitchen = (await client.get("/api/v1/categories/кухня")).json()
    assert (kitchen["name"], kitchen["name_ru"], kitchen["slugs"]["ru"]) == (
        "Kitchen",
        "Кухня",
        "кухня",
    )
    assert [crumb["name"] for crumb in kitchen["breadcrumb"]] == ["Home", "Kitchen"]
