"""Staff writes on products: who may, what is validated, what Stripe is told."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import Product
from vitrina.orders.models import Order, OrderItem, OrderStatus


async def test_staff_creates_a_product_pending_stripe_sync(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_category
) -> None:
    category = await make_category(name="Mugs")
    response = await client.post(
        "/api/v1/products",
        json={"name": "Blue Mug", "price": 50000, "stock": 3, "category_id": category.id},
        headers=staff_headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["slug"] == "blue-mug"
    assert body["price"] == 50000 and body["currency"] == "usd"
    assert body["sync_state"] == "pending" and body["sync_error"] is None
    assert body["breadcrumb"] == [{"id": category.id, "name": "Mugs", "slug": "mugs"}]


async def test_writes_refuse_customers_and_anonymous(
    client: httpx.AsyncClient, customer_headers: dict[str, str], make_product
) -> None:
    product = await make_product()
    payload = {"price": 1}
    anonymous = await client.patch(f"/api/v1/products/{product.id}", json=payload)
    customer = await client.patch(
        f"/api/v1/products/{product.id}", json=payload, headers=customer_headers
    )
    assert anonymous.status_code == 401
    assert customer.status_code == 403
    for path in ("/api/v1/products", "/api/v1/categories"):
        assert (await client.post(path, json={})).status_code == 401
        assert (await client.post(path, json={}, headers=customer_headers)).status_code == 403


@pytest.mark.parametrize(
    ("field", "value"),
    [("price", -1), ("price", 12.5), ("price", "12.50"), ("price", True), ("stock", -3)],
)
async def test_bad_numbers_are_422_with_a_message(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_category, field, value
) -> None:
    category = await make_category()
    payload = {"name": "Thing", "price": 100, "category_id": category.id, field: value}
    response = await client.post("/api/v1/products", json=payload, headers=staff_headers)
    assert response.status_code == 422
    assert any(field in err["loc"] for err in response.json()["detail"])


async def test_unknown_category_is_422(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/products",
        json={"name": "Thing", "price": 100, "category_id": 987654},
        headers=staff_headers,
    )
    assert response.status_code == 422
    assert "987654" in response.json()["detail"]


async def test_slug_and_sku_stay_unique(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_product
) -> None:
    first = await make_product(name="Lamp", sku="L-1")
    second = await make_product(name="Desk")
    taken_slug = await client.patch(
        f"/api/v1/products/{second.id}", json={"slug": first.slug}, headers=staff_headers
    )
    taken_sku = await client.patch(
        f"/api/v1/products/{second.id}", json={"sku": "L-1"}, headers=staff_headers
    )
    assert taken_slug.status_code == 409 and "slug" in taken_slug.json()["detail"]
    assert taken_sku.status_code == 409 and "SKU" in taken_sku.json()["detail"]
    renamed = await client.patch(
        f"/api/v1/products/{second.id}", json={"slug": "writing-desk"}, headers=staff_headers
    )
    assert renamed.status_code == 200 and renamed.json()["slug"] == "writing-desk"


async def test_changes_stripe_must_learn_mark_the_product_for_sync(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_product, session: AsyncSession
) -> None:
    product = await make_product(price=1000)
    product.synced_version = product.sync_version
    await session.commit()
    stock_only = await client.post(
        f"/api/v1/products/{product.id}/stock", json={"set": 9}, headers=staff_headers
    )
    assert stock_only.json()["sync_state"] == "synced"
    repriced = await client.patch(
        f"/api/v1/products/{product.id}", json={"price": 1200}, headers=staff_headers
    )
    assert repriced.json()["sync_state"] == "pending"
    session.expunge_all()
    stored = await session.get(Product, product.id)
    assert stored is not None and stored.sync_version == product.sync_version + 1


async def test_inactive_products_404_for_customers_visible_to_staff(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    customer_headers: dict[str, str],
    make_product,
) -> None:
    product = await make_product(name="Secret Chair")
    off = await client.post(f"/api/v1/products/{product.id}/deactivate", headers=staff_headers)
    assert off.status_code == 200 and off.json()["is_active"] is False
    for headers in ({}, customer_headers):
        assert (
            await client.get(f"/api/v1/products/{product.slug}", headers=headers)
        ).status_code == 404
        listed = await client.get(
            "/api/v1/products", params={"include_inactive": True}, headers=headers
        )
        assert listed.json()["items"] == []
    seen = await client.get(f"/api/v1/products/{product.slug}", headers=staff_headers)
    assert seen.status_code == 200 and seen.json()["sync_state"] == "pending"
    staff_list = await client.get(
        "/api/v1/products", params={"include_inactive": True}, headers=staff_headers
    )
    assert [p["id"] for p in staff_list.json()["items"]] == [product.id]


async def test_stock_changes_never_go_below_zero(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_product
) -> None:
    product = await make_product(stock=2)
    url = f"/api/v1/products/{product.id}/stock"
    added = await client.post(url, json={"delta": 3, "reason": "delivery"}, headers=staff_headers)
    assert added.json()["stock"] == 5
    too_many = await client.post(url, json={"delta": -6, "reason": "x"}, headers=staff_headers)
    assert too_many.status_code == 409
    negative = await client.post(url, json={"set": -1}, headers=staff_headers)
    both = await client.post(url, json={"set": 1, "delta": 1}, headers=staff_headers)
    assert negative.status_code == 422 and both.status_code == 422
    overflow = await client.post(url, json={"delta": 2_000_000_000}, headers=staff_headers)
    assert overflow.status_code == 409 and "exceed" in overflow.json()["detail"]
    assert (await client.get(f"/api/v1/products/{product.id}")).json()["stock"] == 5


async def test_delete_only_when_never_ordered(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    make_product,
    make_user,
    session: AsyncSession,
) -> None:
    unsold = await make_product()
    sold = await make_product(name="Sold Vase")
    buyer = await make_user()
    order = Order(
        user_id=buyer.id,
        status=OrderStatus.PAID,
        email=buyer.email,
        currency="usd",
        subtotal=1000,
        total=1000,
        stripe_session_id="cs_test_catalog_delete",
    )
    order.items = [
        OrderItem(product_id=sold.id, name=sold.name, unit_price=1000, quantity=1, line_total=1000)
    ]
    order.events = []
    session.add(order)
    await session.commit()
    refused = await client.delete(f"/api/v1/products/{sold.id}", headers=staff_headers)
    assert refused.status_code == 409 and "deactivate" in refused.json()["detail"]
    deleted = await client.delete(f"/api/v1/products/{unsold.id}", headers=staff_headers)
    assert deleted.status_code == 204
    remaining = (await session.scalars(select(Product.id))).all()
    assert list(remaining) == [sold.id]
