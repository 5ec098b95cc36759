"""Search that forgives: misspellings, Russian word forms, symbols, counts and facets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from vitrina.catalog import facets, search
from vitrina.catalog.cursors import encode_cursor, with_query
from vitrina.catalog.schemas import ProductSort

LIST = "/api/v1/products"


async def _search(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get(LIST, params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.fixture
async def audio(make_product, make_category) -> dict[str, Any]:
    audio = await make_category(name="Audio", name_ru="Аудиотехника")
    lamps = await make_category(name="Lamps")
    made = {
        "headphones": await make_product(
            name="Studio Headphones", name_ru="Студийные наушники", category=audio, price=9900
        ),
        "earbuds": await make_product(
            name="Travel Headphones", name_ru="Дорожные наушники", category=audio, price=2900
        ),
        "speaker": await make_product(
            name="Desk Speaker", name_ru="Настольная колонка", category=audio, price=4900
        ),
        "lamp": await make_product(name="Walnut Desk Lamp", category=lamps, price=1500),
    }
    return {"categories": (audio, lamps), **made}


@pytest.mark.parametrize("typo", ["headphnes", "hedphones", "haedphones", "headphones"])
async def test_one_or_two_wrong_letters_still_find_the_product(
    client: httpx.AsyncClient, audio: dict[str, Any], typo: str
) -> None:
    body = await _search(client, q=typo)
    wanted = {audio["headphones"].id, audio["earbuds"].id}
    assert {item["id"] for item in body["items"]} == wanted
    if typo == "headphones":
        assert (body["suggestion"], body["corrected"]) == (None, False)
    else:
        assert (body["suggestion"], body["corrected"]) == ("headphones", True)


async def test_a_misspelt_word_among_right_ones_is_corrected(
    client: httpx.AsyncClient, audio: dict[str, Any]
) -> None:
    body = await _search(client, q="walnut dsek lamp")
    assert [item["id"] for item in body["items"]] == [audio["lamp"].id]
    assert body["suggestion"] == "walnut desk lamp"


async def test_few_results_keep_them_and_suggest_the_spelling_that_finds_more(
    client: httpx.AsyncClient, audio: dict[str, Any], make_product
) -> None:
    oddly_named = await make_product(name="Stand", description="Holds your hedphones.")
    body = await _search(client, q="hedphones")
    assert [item["id"] for item in body["items"]] == [oddly_named.id]
    assert (body["suggestion"], body["corrected"]) == ("headphones", False)


async def test_nonsense_finds_nothing_and_suggests_nothing(
    client: httpx.AsyncClient, audio: dict[str, Any]
) -> None:
    body = await _search(client, q="xqzwv", facets=True)
    assert (body["items"], body["suggestion"], body["total"]) == ([], None, 0)


async def test_pages_of_a_corrected_search_list_every_match_once(
    client: httpx.AsyncClient, audio: dict[str, Any], make_product
) -> None:
    more = [(await make_product(name=f"Headphones {n}")).id for n in range(5)]
    seen: list[int] = []
    cursor = None
    while True:
        params = {"q": "hedphones", "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = await _search(client, **params)
        assert body["corrected"] and body["suggestion"] == "headphones"
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted([*more, audio["headphones"].id, audio["earbuds"].id])


@pytest.mark.parametrize("query", ["наушники", "наушников", "Наушникам", "НАУШНИК"])
async def test_russian_word_forms_find_russian_names(
    client: httpx.AsyncClient, audio: dict[str, Any], query: str
) -> None:
    body = await _search(client, q=query, lang="ru")
    assert sorted(item["name"] for item in body["items"]) == [
        "Дорожные наушники",
        "Студийные наушники",
    ]


async def test_russian_misspelling_is_corrected(
    client: httpx.AsyncClient, audio: dict[str, Any]
) -> None:
    body = await _search(client, q="наушнеки", lang="ru")
    assert body["corrected"] and body["suggestion"] == "наушники"
    assert len(body["items"]) == 2


async def test_count_and_facets_by_category_and_price(
    client: httpx.AsyncClient, audio: dict[str, Any]
) -> None:
    audio_category, lamps = audio["categories"]
    body = await _search(client, q="desk", facets=True, lang="ru")
    assert (body["total"], body["total_capped"]) == (2, False)
    assert [(c["id"], c["name"], c["count"]) for c in body["facets"]["categories"]] == sorted(
        [(audio_category.id, "Аудиотехника", 1), (lamps.id, lamps.name, 1)],
        key=lambda c: c[1],
    )
    assert body["facets"]["prices"] == [
        {"min_price": 1000, "max_price": 2500, "count": 1},
        {"min_price": 2500, "max_price": 5000, "count": 1},
    ]
    everything = await _search(client, facets=True, limit=1)
    assert everything["total"] == 4
    later = await _search(client, facets=True, limit=1, cursor=everything["next_cursor"])
    assert later["total"] is None and later["facets"] is None
    assert (await _search(client))["total"] is None


async def test_counting_stops_at_the_cap(
    client: httpx.AsyncClient, audio: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(facets, "COUNT_CAP", 3)
    monkeypatch.setattr(facets, "SEARCH_COUNT_CAP", 1)
    listed = await _search(client, facets=True)
    assert (listed["total"], listed["total_capped"]) == (3, True)
    found = await _search(client, q="headphones", facets=True)
    assert (found["total"], found["total_capped"]) == (1, True)
    assert len(found["items"]) == 2


async def test_a_correction_costs_queries_only_when_few_are_found(
    client: httpx.AsyncClient, audio: dict[str, Any], make_product, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_product(name="Kids Headphones")
    called: list[str] = []
    original = search.correction

    async def spy(connection: Any, query: str) -> str | None:
        called.append(query)
        return await original(connection, query)

    monkeypatch.setattr(search, "correction", spy)
    await _search(client, q="headphones")
    await _search(client, q="desk")
    assert called == ["desk"]  # headphones: 3 found; desk: 2, fewer than search.FEW


async def test_a_cursor_cannot_carry_a_query_without_words(
    client: httpx.AsyncClient, audio: dict[str, Any]
) -> None:
    later = datetime.now(UTC) + timedelta(days=1)
    cursor = with_query(encode_cursor(ProductSort.NEWEST, [later, 10**6]), "%")
    body = await _search(client, q="headphones", sort="newest", cursor=cursor)
    assert body["corrected"] is False and len(body["items"]) == 2
