"""The basket change (`PUT /basket/items/{id}`) served past FastAPI's routing
(vitrina/hot_routes.py) answers exactly what the framework answers, for customers and guests,
valid and invalid requests alike; a failure inside it leaves nothing written, and the framework
then serves the request from the start, body included."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from fixtures.hot_routes import hot_layer
from proof.test_hostile_http import CountingBody
from vitrina.basket import router as basket_router
from vitrina.basket.guest import GUEST_COOKIE
from vitrina.basket.models import BasketItem
from vitrina.observability.middleware import REQUESTS

from .test_variants_checkout import shirt_with_sizes


def _answer(response: httpx.Response) -> tuple[int, dict[str, str], bytes]:
    headers = {k: v for k, v in response.headers.items() if k != "x-request-id"}
    return response.status_code, headers, response.content


async def test_a_customers_changes_answer_as_the_framework_does(
    client, app, monkeypatch, make_product, shopper, staff_headers
) -> None:
    """A PUT sets a quantity, so sending it twice answers the same: once past the routing,
    once through the framework."""
    _, headers = await shopper()
    cup = await make_product(name="Tea Cup", price=1250, stock=3)
    shirt, sizes = await shirt_with_sizes(client, staff_headers, make_product, {"S": 3, "M": 3})
    size_m = sizes["M"]
    hidden = await make_product(name="Hidden Lamp", is_active=False)
    json_type = {"Content-Type": "application/json"}
    requests: list[tuple[str, Any]] = [
        (f"/api/v1/basket/items/{cup.id}", {"json": {"quantity": 2}}),
        (f"/api/v1/basket/items/{shirt.id}", {"json": {"quantity": 1, "variant_id": size_m}}),
        (f"/api/v1/basket/items/{cup.id}", {"json": {"quantity": 0}}),  # removed
        (f"/api/v1/basket/items/{cup.id}", {"json": {"quantity": 9}}),  # 409: 3 in stock
        (f"/api/v1/basket/items/{shirt.id}", {"json": {"quantity": 1}}),  # 422: which size
        (f"/api/v1/basket/items/{shirt.id}", {"json": {"quantity": 1, "variant_id": 999999}}),
        (f"/api/v1/basket/items/{hidden.id}", {"json": {"quantity": 1}}),  # 409
        ("/api/v1/basket/items/999999", {"json": {"quantity": 1}}),  # 404
        (f"/api/v1/basket/items/{cup.id}", {"json": {"quantity": -1}}),  # 422 from FastAPI
        (f"/api/v1/basket/items/{cup.id}", {"json": {"quantity": "two"}}),
        (f"/api/v1/basket/items/{cup.id}", {"json": {}}),
        (f"/api/v1/basket/items/{cup.id}", {"content": b"{not json", "headers": json_type}),
        (f"/api/v1/basket/items/{cup.id}", {"content": b"", "headers": json_type}),
        (f"/api/v1/basket/items/{cup.id}", {"content": b'{"quantity": 1}'}),  # no type
        (
            f"/api/v1/basket/items/{cup.id}",
            {"content": b'{"quantity": 1}', "headers": {"Content-Type": "text/plain"}},
        ),
        (f"/api/v1/basket/items/{cup.id}", {"json": {"quantity": 1.0}}),
        ("/api/v1/basket/items/abc", {"json": {"quantity": 1}}),
        ("/api/v1/basket/items/0", {"json": {"quantity": 1}}),
        ("/api/v1/basket/items/٣", {"json": {"quantity": 1}}),  # not an ASCII digit
        ("/api/v1/basket/items/99999999999", {"json": {"quantity": 1}}),
    ]
    layer = hot_layer(app)
    for url, options in requests:
        sent = {**options, "headers": {**headers, **options.get("headers", {})}}
        hot = await client.put(url, **sent)
        with monkeypatch.context() as patch:
            patch.setattr(layer, "routes", ())
            framework = await client.put(url, **sent)
        assert _answer(hot) == _answer(framework), (url, options)
    basket = (await client.get("/api/v1/basket", headers=headers)).json()
    assert [(i["product"]["name"], i["quantity"]) for i in basket["items"]] == [
        ("T-shirt", 1),
        ("Tea Cup", 1),
    ]
    without_token = await client.put(f"/api/v1/basket/items/{cup.id}", json={"quantity": 1})
    assert without_token.status_code == 200  # a guest's basket, not the customer's
    bad_token = {"Authorization": "Bearer not-a-token"}
    hot = await client.put(
        f"/api/v1/basket/items/{cup.id}", json={"quantity": 1}, headers=bad_token
    )
    assert hot.status_code == 401


async def test_a_guest_gets_the_cookie_and_keeps_the_basket(
    client, app, monkeypatch, make_product, solved
) -> None:
    cup = await make_product(name="Tea Cup", price=1250, stock=5)
    added = await client.put(f"/api/v1/basket/items/{cup.id}", json={"quantity": 2})
    assert added.status_code == 200, added.text
    cookie = added.headers["set-cookie"]
    assert cookie.startswith(f"{GUEST_COOKIE}=") and "httponly" in cookie.lower()
    again = await client.put(f"/api/v1/basket/items/{cup.id}", json={"quantity": 3})
    assert again.json()["id"] == added.json()["id"]  # the same guest's basket, by the cookie
    assert again.headers["set-cookie"].startswith(f"{GUEST_COOKIE}=")  # renewed on a change
    with monkeypatch.context() as patch:
        patch.setattr(hot_layer(app), "routes", ())
        framework = await client.put(f"/api/v1/basket/items/{cup.id}", json={"quantity": 3})
    assert _answer(framework)[2] == _answer(again)[2]
    assert solved == [f"PUT /api/v1/basket/items/{cup.id}"]  # only the one sent without


async def test_only_the_basket_change_skips_the_framework(
    client, make_product, shopper, solved
) -> None:
    _, headers = await shopper()
    cup = await make_product(name="Tea Cup", price=1250, stock=5)
    before = REQUESTS.labels("PUT", "/basket/items/{product_id}", "200")._value.get()
    r = await client.put(f"/api/v1/basket/items/{cup.id}", json={"quantity": 1}, headers=headers)
    assert r.status_code == 200
    assert solved == []
    # Metrics name the route as the framework would.
    after = REQUESTS.labels("PUT", "/basket/items/{product_id}", "200")._value.get()
    assert after == before + 1
    r = await client.delete(f"/api/v1/basket/items/{cup.id}", headers=headers)
    assert r.status_code == 200
    r = await client.put(f"/api/v1/basket/items/{cup.id}", json={"quantity": -1}, headers=headers)
    assert r.status_code == 422
    assert solved == [
        f"DELETE /api/v1/basket/items/{cup.id}",
        f"PUT /api/v1/basket/items/{cup.id}",
    ]


async def test_a_failure_inside_is_rolled_back_and_served_again_by_the_framework(
    client, monkeypatch, make_product, shopper, session, solved
) -> None:
    """The hot route wrote the line, then failed building the answer: nothing it wrote is
    kept, and the framework, given the same body, writes the line once and answers."""
    _, headers = await shopper()
    cup = await make_product(name="Tea Cup", price=1250, stock=5)
    view = basket_router.basket_view
    calls = 0

    async def failing_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("the answer could not be built")
        return await view(*args, **kwargs)

    monkeypatch.setattr(basket_router, "basket_view", failing_once)
    r = await client.put(f"/api/v1/basket/items/{cup.id}", json={"quantity": 2}, headers=headers)
    assert r.status_code == 200, r.text
    assert [(i["product"]["id"], i["quantity"]) for i in r.json()["items"]] == [(cup.id, 2)]
    assert calls == 2
    assert solved == [f"PUT /api/v1/basket/items/{cup.id}"]
    lines = (await session.scalars(select(BasketItem).where(BasketItem.product_id == cup.id))).all()
    assert [line.quantity for line in lines] == [2]


async def test_an_oversized_body_is_refused_as_the_framework_refuses_it(
    client, make_product, shopper, settings
) -> None:
    """Cut off at the limit while the hot route reads it (no length declared), or refused
    at once (declared): 413, `{"detail"}`, the usual headers."""
    _, headers = await shopper()
    cup = await make_product(name="Tea Cup", price=1250, stock=5)
    url = f"/api/v1/basket/items/{cup.id}"
    json_type = {**headers, "Content-Type": "application/json"}
    streamed = await client.put(
        url, content=CountingBody(settings.max_body_bytes + 1), headers=json_type
    )
    declared = settings.max_body_bytes + 1
    at_once = await client.put(
        url,
        content=CountingBody(declared),
        headers={**json_type, "Content-Length": str(declared)},
    )
    for response in (streamed, at_once):
        assert response.status_code == 413
        assert response.json() == {
            "detail": f"The request body is larger than {settings.max_body_bytes} bytes."
        }
        assert response.headers["x-content-type-options"] == "nosniff"
    basket = (await client.get("/api/v1/basket", headers=headers)).json()
    assert basket["items"] == []
