"""The product list: search, filters, sorts, keyset pages, and a constant number of queries."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vitrina.catalog import search
from vitrina.reads import recorded_statements

LIST = "/api/v1/products"


async def _ids(client: httpx.AsyncClient, **params: Any) -> list[int]:
    response = await client.get(LIST, params=params)
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()["items"]]


async def _all_pages(client: httpx.AsyncClient, **params: Any) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        body = (await client.get(LIST, params=query)).json()
        seen += [p["id"] for p in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


async def test_search_finds_words_in_name_and_description_name_hits_first(
    client: httpx.AsyncClient, make_product
) -> None:
    in_description = await make_product(
        name="Tea Cup", description="Pairs well with the walnut tray."
    )
    in_name = await make_product(name="Walnut Tray", description="Solid wood.")
    await make_product(name="Steel Fork", description="Dishwasher safe.")
    assert await _ids(client, q="walnut") == [in_name.id, in_description.id]
    assert await _ids(client, q="walnut tray") == [in_name.id, in_description.id]
    assert await _ids(client, q="dishwasher") != []
    assert await _ids(client, q="porcelain") == []


@pytest.mark.parametrize("newest_ids", [40_000, 2, 1])
async def test_relevance_ranks_a_window_of_recent_matches_then_lists_older_ones(
    client: httpx.AsyncClient, make_product, monkeypatch: pytest.MonkeyPatch, newest_ids: int
) -> None:
    monkeypatch.setattr(search, "RELEVANCE_WINDOW", 3)
    monkeypatch.setattr(search, "RELEVANCE_SLICE", newest_ids)  # PostgreSQL's two-part read
    old_name_hit = await make_product(name="Copper Kettle")
    old_description_hit = await make_product(name="Jug", description="copper handle")
    described = [await make_product(name=f"Pot {n}", description="copper") for n in range(2)]
    newest_name_hit = await make_product(name="Copper Pan")
    ranked = [newest_name_hit.id, described[1].id, described[0].id]
    older = [old_description_hit.id, old_name_hit.id]
    assert await _all_pages(client, q="copper", limit=2) == ranked + older
    assert await _ids(client, q="copper", limit=10) == ranked + older


async def test_a_blank_query_lists_everything_and_symbols_alone_find_nothing(
    client: httpx.AsyncClient, make_product
) -> None:
    products = [await make_product() for _ in range(3)]
    await make_product(name="100% Cotton_Shirt *new*")
    newest_first = [p.id for p in reversed(products)]
    for q in ("", "   "):
        assert (await _ids(client, q=q))[1:] == newest_first
    for q in ("%", "_", "*", "...", "!!!", "%_\\", "&|!()<->:*", "%%%"):
        response = await client.get(LIST, params={"q": q, "facets": True})
        body = response.json()
        assert (body["items"], body["total"], body["suggestion"]) == ([], 0, None), q


@pytest.mark.slow
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(q=st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=120))
async def test_no_query_string_makes_a_server_error(client: httpx.AsyncClient, q: str) -> None:
    for sort in ("relevance", "newest"):
        response = await client.get(LIST, params={"q": q, "sort": sort})
        assert response.status_code in (200, 422), (q, response.text)


async def test_garbage_cursors_are_422(client: httpx.AsyncClient, make_product) -> None:
    await make_product()
    for cursor in ("", "x", "eyJzIjoibmV3ZXN0In0", "eyJzIjoibmFtZSIsInYiOlsxLDJdfQ"):
        response = await client.get(LIST, params={"cursor": cursor, "sort": "name"})
        assert response.status_code in (200, 422)
    bad = await client.get(LIST, params={"cursor": "bm90IGpzb24", "sort": "name"})
    assert bad.status_code == 422 and "cursor" in bad.json()["detail"]


async def test_filters_and_sorts_combine(
    client: httpx.AsyncClient, make_product, make_category
) -> None:
    toys, tools = await make_category(name="Toys"), await make_category(name="Tools")
    ball = await make_product(name="Ball", price=500, stock=0, category=toys)
    kite = await make_product(name="Kite", price=1500, stock=2, category=toys)
    yoyo = await make_product(name="Yoyo", price=900, stock=1, category=toys)
    await make_product(name="Hammer", price=1000, stock=4, category=tools)
    assert await _ids(client, category="toys", sort="price_asc") == [ball.id, yoyo.id, kite.id]
    assert await _ids(client, category="toys", sort="price_desc") == [kite.id, yoyo.id, ball.id]
    assert await _ids(client, category="toys", sort="name") == [ball.id, kite.id, yoyo.id]
    assert await _ids(client, category="toys", in_stock=True, sort="name") == [kite.id, yoyo.id]
    assert await _ids(client, min_price=600, max_price=1200, category="toys") == [yoyo.id]
    assert await _ids(client, q="kite", category="tools") == []


@pytest.mark.parametrize(
    ("sort", "window"),
    [
        ("newest", 0),
        ("price_asc", 0),
        ("price_desc", 0),
        ("name", 0),
        ("relevance", 1000),
        ("relevance", 4),
    ],
)
async def test_pages_return_every_product_exactly_once_while_products_are_added(
    client: httpx.AsyncClient,
    make_product,
    make_category,
    sort: str,
    window: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(search, "RELEVANCE_WINDOW", window)
    category = await make_category()
    prices = [700, 300, 300, 500, 300, 900, 100, 500, 300, 200, 800]
    existing = [
        await make_product(
            name=f"Lamp {n % 4}", description="brass lamp", price=price, category=category
        )
        for n, price in enumerate(prices)
    ]
    monkeypatch.setattr(search, "RELEVANCE_SLICE", 5)
    params = {"sort": sort, "limit": 3, "q": "lamp"}
    seen: list[int] = []
    cursor = None
    for page in range(20):
        body = (
            await client.get(LIST, params=dict(params, **({"cursor": cursor} if cursor else {})))
        ).json()
        seen += [p["id"] for p in body["items"]]
        await make_product(
            name=f"Lamp new {page}", description="lamp", price=400, category=category
        )
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert {p.id for p in existing} <= set(seen)


async def test_list_queries_do_not_grow_with_page_size(
    client: httpx.AsyncClient, make_product, make_category, session
) -> None:
    from vitrina.catalog.models import ProductImage

    category = await make_category(name="Shelf")
    for n in range(30):
        product = await make_product(category=category)
        session.add(
            ProductImage(
                product_id=product.id,
                path=f"p/{n}.png",
                content_type="image/png",
                width=1,
                height=1,
            )
        )
    await session.commit()
    counts = []
    for limit in (2, 10, 30):
        with recorded_statements() as statements:
            body = (await client.get(LIST, params={"limit": limit, "category": "shelf"})).json()
        assert len(body["items"]) == limit
        assert all(item["thumbnail"]["url"].startswith("/media/p/") for item in body["items"])
        counts.append(len(statements))
    assert counts == [2, 2, 2], counts  # the category with its subcategories, then the page
    with recorded_statements() as statements:
        await client.get(LIST, params={"limit": 30})
    assert len(statements) == 1, statements


async def test_all_pages_cover_the_catalog(client: httpx.AsyncClient, make_product) -> None:
    made = {(await make_product()).id for _ in range(7)}
    pages = await _all_pages(client, limit=2, sort="price_asc")
    assert sorted(pages) == sorted(made)


_any_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)
_params = st.fixed_dictionaries(
    {},
    optional={
        "q": _any_text,
        "category": st.one_of(_any_text, st.integers(min_value=-(2**70), max_value=2**70).map(str)),
        "min_price": st.one_of(
            st.integers(min_value=-(2**70), max_value=2**70).map(str), _any_text
        ),
        "max_price": st.integers(min_value=-(2**40), max_value=2**40).map(str),
        "in_stock": st.sampled_from(["true", "false", "maybe", ""]),
        "sort": st.sampled_from(["relevance", "price_asc", "price_desc", "name", "newest", "x"]),
        "cursor": st.one_of(
            _any_text,
            st.binary(max_size=60).map(
                lambda b: __import__("base64").urlsafe_b64encode(b).decode()
            ),
        ),
        "limit": st.integers(min_value=-5, max_value=200).map(str),
    },
)


@pytest.mark.slow
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(params=_params)
async def test_no_list_parameters_make_a_server_error(
    client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    response = await client.get(LIST, params=params)
    assert response.status_code in (200, 404, 422), (params, response.text)


@pytest.mark.parametrize("key", ["99999999999", "0", "²", "-1"])
async def test_odd_ids_are_404_not_errors(client: httpx.AsyncClient, key: str) -> None:
    assert (await client.get(f"/api/v1/products/{key}")).status_code == 404
    assert (await client.get(f"/api/v1/categories/{key}")).status_code == 404


@pytest.mark.parametrize("sort", ["newest", "price_asc", "name"])
async def test_staff_pages_mix_active_and_inactive_products_in_order(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_product, sort: str
) -> None:
    made = [
        await make_product(name=f"Item {n:02d}", price=100 * (n % 4), is_active=n % 3 != 0)
        for n in range(10)
    ]
    seen: list[int] = []
    cursor = None
    while True:
        params = {"sort": sort, "limit": 3, "include_inactive": True}
        if cursor:
            params["cursor"] = cursor
        body = (await client.get(LIST, params=params, headers=staff_headers)).json()
        seen += [p["id"] for p in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    key = {
        "newest": lambda p: (-p.created_at.timestamp(), -p.id),
        "price_asc": lambda p: (p.price, p.id),
        "name": lambda p: (p.name, p.id),
    }[sort]
    assert seen == [p.id for p in sorted(made, key=key)]
