"""The product list and page served past FastAPI's routing (vitrina/hot_routes.py) answer
exactly what the framework answers, and only anonymous GETs of those two routes take it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from fixtures.hot_routes import hot_layer
from vitrina.observability.middleware import REQUESTS


def _answer(response: httpx.Response) -> tuple[int, dict[str, str], bytes]:
    headers = {k: v for k, v in response.headers.items() if k != "x-request-id"}
    return response.status_code, headers, response.content


async def _both_ways(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch, url: str, **kw: Any
) -> tuple[httpx.Response, httpx.Response]:
    """The answer with the hot routes, then with the framework routing every request."""
    hot = await client.get(url, **kw)
    layer = hot_layer(app)
    with monkeypatch.context() as patch:
        patch.setattr(layer, "routes", ())
        framework = await client.get(url, **kw)
    return hot, framework


async def test_the_hot_reads_answer_as_the_framework_does(
    client, app, monkeypatch, make_product, staff_headers
) -> None:
    shirt = await make_product(name="Linen Shirt", price=2990, stock=3, sku="LS")
    r = await client.post(
        f"/api/v1/products/{shirt.id}/options",
        json={"name": "Size", "values": [{"value": "S"}, {"value": "M"}]},
        headers=staff_headers,
    )
    assert r.status_code == 201, r.text
    hidden = await make_product(name="Hidden Lamp", is_active=False)
    urls = [
        "/api/v1/products",
        "/api/v1/products?limit=1&sort=price_desc",
        "/api/v1/products?q=linen&facets=true",
        "/api/v1/products?size=S",
        "/api/v1/products?lang=ru",
        "/api/v1/products?limit=0",  # 422 from the model
        "/api/v1/products?sort=sideways",  # 422
        "/api/v1/products?currency=XYZ",  # a currency the store does not sell in: 422
        f"/api/v1/products/{shirt.id}",
        f"/api/v1/products/{shirt.slug}",
        f"/api/v1/products/{shirt.id}?lang=ru&currency=USD",
        f"/api/v1/products/{shirt.id}?lang=xx",  # 422
        f"/api/v1/products/{shirt.id}?currency=12",  # 422
        f"/api/v1/products/{hidden.id}",  # inactive: 404
        "/api/v1/products/999999",  # 404
        "/api/v1/products/export",  # the CSV export's route comes first: 401, not a slug
        "/api/v1/products/",
    ]
    for url in urls:
        hot, framework = await _both_ways(client, app, monkeypatch, url)
        assert _answer(hot) == _answer(framework), url
    hot, framework = await _both_ways(
        client, app, monkeypatch, f"/api/v1/products/{shirt.id}", headers={"Accept-Language": "ru"}
    )
    assert _answer(hot) == _answer(framework)
    assert hot.headers["content-language"] == "ru"


async def test_only_anonymous_gets_of_the_two_routes_skip_the_framework(
    client, make_product, staff_headers, solved
) -> None:
    product = await make_product(name="Oak Stool")
    before = REQUESTS.labels("GET", "/products/{id_or_slug}", "200")._value.get()
    assert (await client.get(f"/api/v1/products/{product.id}")).status_code == 200
    assert (await client.get("/api/v1/products?q=oak")).status_code == 200
    assert (await client.get("/api/v1/products/999999")).status_code == 404
    assert solved == []
    # Metrics name the route as the framework would.
    assert REQUESTS.labels("GET", "/products/{id_or_slug}", "200")._value.get() == before + 1

    staff_view = await client.get(f"/api/v1/products/{product.id}", headers=staff_headers)
    assert staff_view.status_code == 200
    assert "sync_state" in staff_view.json()  # the staff's page, from the framework
    assert (await client.get("/api/v1/products?limit=0")).status_code == 422
    assert (await client.get(f"/api/v1/products/{product.id}/variants")).status_code == 200
    assert solved == [
        f"GET /api/v1/products/{product.id}",
        "GET /api/v1/products",
        f"GET /api/v1/products/{product.id}/variants",
    ]
