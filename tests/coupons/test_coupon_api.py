"""Staff coupon API: create, read, list, patch, soft delete, validation, access."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.coupons.models import DiscountCoupon

FAR = 8043214523  # the seed's end_at: year 2224


async def _create(client: httpx.AsyncClient, headers: dict[str, str], **fields: object) -> dict:
    body = {"number": "COUPON", "discount": 22.0, "end_at": FAR, **fields}
    response = await client.post("/api/v1/coupons", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_read_list_patch_delete(
    client: httpx.AsyncClient, staff_headers: dict[str, str], session: AsyncSession
) -> None:
    created = await _create(client, staff_headers, max_redemptions=10)
    assert created["number"] == "COUPON"
    assert created["discount"] == "22.00"
    assert created["end_at_unix"] == FAR
    assert datetime.fromisoformat(created["end_at"]) == datetime.fromtimestamp(FAR, UTC)
    assert created["sync_state"] == "pending"
    assert created["stripe_id"] is None and created["stripe_promotion_code_id"] is None

    read = await client.get(f"/api/v1/coupons/{created['id']}", headers=staff_headers)
    assert read.json()["number"] == "COUPON"
    listed = await client.get("/api/v1/coupons", headers=staff_headers)
    assert [c["id"] for c in listed.json()["items"]] == [created["id"]]

    patched = await client.patch(
        f"/api/v1/coupons/{created['id']}", json={"number": "NEWCOUPON"}, headers=staff_headers
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["number"] == "NEWCOUPON"
    assert patched.json()["discount"] == "22.00"

    row = await session.scalar(select(DiscountCoupon).where(DiscountCoupon.id == created["id"]))
    assert row is not None and row.sync_version == 2

    deleted = await client.delete(f"/api/v1/coupons/{created['id']}", headers=staff_headers)
    assert deleted.status_code == 204
    session.expire_all()
    row = await session.scalar(select(DiscountCoupon).where(DiscountCoupon.id == created["id"]))
    assert row is not None and row.deleted_at is not None and row.sync_version == 3
    listed = await client.get("/api/v1/coupons", headers=staff_headers)
    assert listed.json()["items"] == []
    again = await client.patch(
        f"/api/v1/coupons/{created['id']}", json={"number": "X"}, headers=staff_headers
    )
    assert again.status_code == 404


async def test_limit_change_does_not_need_stripe(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    created = await _create(client, staff_headers)
    patched = await client.patch(
        f"/api/v1/coupons/{created['id']}",
        json={"max_redemptions_per_customer": 1},
        headers=staff_headers,
    )
    assert patched.json()["max_redemptions_per_customer"] == 1
    assert patched.json()["updated_at"] >= created["updated_at"]


async def test_iso_expiry_with_offset_shown_in_store_timezone(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    created = await _create(client, staff_headers, end_at="2031-01-31T23:59:00+03:00")
    assert datetime.fromisoformat(created["end_at"]) == datetime(2031, 1, 31, 20, 59, tzinfo=UTC)
    local = datetime.fromisoformat(created["end_at_local"])
    assert local == datetime(2031, 1, 31, 20, 59, tzinfo=UTC)
    assert local.utcoffset() == timedelta(0)  # the test store's timezone is UTC


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("number", "HAS SPACE", "pattern"),
        ("number", "", "pattern"),
        ("number", "X" * 65, "pattern"),
        ("number", "ÜBER", "pattern"),
        ("discount", 0, "greater than 0"),
        ("discount", 100.5, "less than or equal to 100"),
        ("discount", -5, "greater than 0"),
        ("discount", 12.345, "decimal places"),
        ("end_at", 1_000_000_000, "future"),
        ("end_at", "2031-01-31T23:59:00", "offset"),
        ("end_at", "not a date", "datetime"),
        ("end_at", True, "UNIX"),
    ],
)
async def test_bad_input_is_422_with_a_message(
    client: httpx.AsyncClient,
    staff_headers: dict[str, str],
    field: str,
    value: object,
    message: str,
) -> None:
    body: dict[str, object] = {"number": "OK-1", "discount": 10, "end_at": FAR, field: value}
    response = await client.post("/api/v1/coupons", json=body, headers=staff_headers)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail[0]["loc"][-1] == field or field in str(detail[0]["loc"])
    assert message.lower() in detail[0]["msg"].lower()


async def test_patch_rejects_bad_values_and_nulls(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    created = await _create(client, staff_headers)
    for body in ({"discount": 0}, {"end_at": 1}, {"number": None}, {"unknown": 1}):
        response = await client.patch(
            f"/api/v1/coupons/{created['id']}", json=body, headers=staff_headers
        )
        assert response.status_code == 422, (body, response.text)


async def test_duplicate_number_is_409_ignoring_case(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    first = await _create(client, staff_headers, number="SUMMER")
    response = await client.post(
        "/api/v1/coupons",
        json={"number": "summer", "discount": 5, "end_at": FAR},
        headers=staff_headers,
    )
    assert response.status_code == 409
    assert "already exists" in response.json()["detail"]
    other = await _create(client, staff_headers, number="WINTER")
    clash = await client.patch(
        f"/api/v1/coupons/{other['id']}", json={"number": "Summer"}, headers=staff_headers
    )
    assert clash.status_code == 409
    same = await client.patch(
        f"/api/v1/coupons/{first['id']}", json={"number": "SUMMER"}, headers=staff_headers
    )
    assert same.status_code == 200


async def test_customers_and_strangers_are_refused(
    client: httpx.AsyncClient, customer_headers: dict[str, str]
) -> None:
    body = {"number": "NOPE", "discount": 5, "end_at": FAR}
    assert (await client.post("/api/v1/coupons", json=body)).status_code == 401
    assert (await client.get("/api/v1/coupons")).status_code == 401
    refused = await client.post("/api/v1/coupons", json=body, headers=customer_headers)
    assert refused.status_code == 403
    assert (await client.get("/api/v1/coupons", headers=customer_headers)).status_code == 403
    assert (await client.delete("/api/v1/coupons/1", headers=customer_headers)).status_code == 403


async def test_unknown_coupon_is_404(
    client: httpx.AsyncClient, staff_headers: dict[str, str]
) -> None:
    response = await client.get("/api/v1/coupons/999", headers=staff_headers)
    assert response.status_code == 404
    assert (await client.delete("/api/v1/coupons/999", headers=staff_headers)).status_code == 404
