"""Customers see only their own orders; staff move orders along a small state machine."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from orders.conftest import MakePaidOrder, stock_of
from vitrina.accounts.models import User
from vitrina.kit.clock import utcnow


async def test_customers_see_only_their_own_orders(
    client: httpx.AsyncClient,
    customer: User,
    make_user,
    auth_headers: Callable[[User], dict[str, str]],
    make_product,
    make_paid_order: MakePaidOrder,
) -> None:
    product = await make_product(price=1200, stock=10)
    mine, _ = await make_paid_order(customer, [(product, 1)])
    other = await make_user()
    theirs, _ = await make_paid_order(other, [(product, 2)])

    listing = await client.get("/api/v1/orders", headers=auth_headers(customer))
    assert listing.status_code == 200
    assert [o["id"] for o in listing.json()["items"]] == [mine.id]
    assert listing.json()["total"] == 1
    own = await client.get(f"/api/v1/orders/{mine.id}", headers=auth_headers(customer))
    assert own.status_code == 200 and own.json()["items"][0]["quantity"] == 1
    assert "stripe_session_id" not in own.json() and "review_reason" not in own.json()
    foreign = await client.get(f"/api/v1/orders/{theirs.id}", headers=auth_headers(customer))
    missing = await client.get("/api/v1/orders/999999", headers=auth_headers(customer))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert (await client.get("/api/v1/orders")).status_code == 401


async def test_customers_cannot_change_status_or_refund(
    client: httpx.AsyncClient,
    session: AsyncSession,
    customer: User,
    customer_headers: dict[str, str],
    make_product,
    make_paid_order: MakePaidOrder,
) -> None:
    product = await make_product(price=1200, stock=10)
    order, _ = await make_paid_order(customer, [(product, 1)])
    status = await client.post(
        f"/api/v1/staff/orders/{order.id}/status",
        json={"status": "cancelled"},
        headers=customer_headers,
    )
    refund = await client.post(
        f"/api/v1/staff/orders/{order.id}/refunds", json={}, headers=customer_headers
    )
    listing = await client.get("/api/v1/staff/orders", headers=customer_headers)
    assert (status.status_code, refund.status_code, listing.status_code) == (403, 403, 403)
    again = await client.get(f"/api/v1/orders/{order.id}", headers=customer_headers)
    assert again.json()["status"] == "paid" and again.json()["amount_refunded"] == 0
    assert await stock_of(session, product.id) == 9


async def test_status_machine_and_history(
    client: httpx.AsyncClient,
    customer: User,
    staff: User,
    staff_headers: dict[str, str],
    make_product,
    make_paid_order: MakePaidOrder,
) -> None:
    product = await make_product(price=1200, stock=10)
    order, _ = await make_paid_order(customer, [(product, 1)])
    url = f"/api/v1/staff/orders/{order.id}/status"

    async def move(status: str) -> httpx.Response:
        return await client.post(url, json={"status": status}, headers=staff_headers)

    assert (await move("delivered")).status_code == 409
    assert (await move("paid")).status_code == 409
    assert (await move("refunded")).status_code == 409
    assert (await move("teleported")).status_code == 422
    for step in ("processing", "shipped"):
        response = await move(step)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == step
    shipped_cancel = await move("cancelled")
    assert shipped_cancel.status_code == 409
    assert "shipped" in shipped_cancel.json()["detail"]
    delivered = await move("delivered")
    assert delivered.status_code == 200
    assert (await move("processing")).status_code == 409

    detail = await client.get(f"/api/v1/staff/orders/{order.id}", headers=staff_headers)
    body = detail.json()
    assert body["items"][0]["product_id"] == product.id
    history = [(e["kind"], e["from_status"], e["to_status"], e["actor_id"]) for e in body["events"]]
    assert history == [
        ("created", None, "paid", None),
        ("status_changed", "paid", "processing", staff.id),
        ("status_changed", "processing", "shipped", staff.id),
        ("status_changed", "shipped", "delivered", staff.id),
    ]


async def test_staff_filters(
    client: httpx.AsyncClient,
    customer: User,
    make_user,
    staff_headers: dict[str, str],
    make_product,
    make_paid_order: MakePaidOrder,
) -> None:
    product = await make_product(price=1000, stock=10)
    first, _ = await make_paid_order(customer, [(product, 1)])
    someone = await make_user(email="Someone@Example.com")
    second, _ = await make_paid_order(someone, [(product, 1)], amount_total_override=1)
    await client.post(
        f"/api/v1/staff/orders/{first.id}/status",
        json={"status": "processing"},
        headers=staff_headers,
    )

    async def ids(**params: str | int) -> list[int]:
        response = await client.get("/api/v1/staff/orders", params=params, headers=staff_headers)
        assert response.status_code == 200, response.text
        return [o["id"] for o in response.json()["items"]]

    assert await ids() == [second.id, first.id]
    assert await ids(status="processing") == [first.id]
    assert await ids(flagged="true") == [second.id]
    assert await ids(flagged="false") == [first.id]
    assert await ids(email="someone@example.com") == [second.id]
    assert await ids(customer_id=customer.id) == [first.id]
    now = utcnow()
    assert await ids(created_from=(now - timedelta(hours=1)).isoformat()) == [second.id, first.id]
    assert await ids(created_to=(now - timedelta(hours=1)).isoformat()) == []
    assert (await client.get("/api/v1/staff/orders", params={"status": "nope"},
                             headers=staff_headers)).status_code == 422  # fmt: skip
    with_nul = await client.get(
        "/api/v1/staff/orders", params={"email": "a\x00@example.com"}, headers=staff_headers
    )
    assert with_nul.status_code == 422
    assert with_nul.json()["detail"][0]["loc"] == ["query", "email"]  # the documented shape
