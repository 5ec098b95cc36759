"""Amount-off coupons through the staff API: the kind, amounts per currency, refusals, and a
rate-table change that re-marks them for Stripe."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.coupons.models import DiscountCoupon

FAR = 8043214523
Headers = dict[str, str]


async def _enable(
    client: httpx.AsyncClient, headers: Headers, code: str, rate: str, **extra: Any
) -> None:
    r = await client.put(
        f"/api/v1/currencies/{code}", json={"rate": rate, **extra}, headers=headers
    )
    assert r.status_code == 200, r.text


async def _post(client: httpx.AsyncClient, headers: Headers, **fields: Any) -> httpx.Response:
    body = {"number": "FIVE", "end_at": FAR, **fields}
    return await client.post("/api/v1/coupons", json=body, headers=headers)


async def test_an_amount_coupon_with_amounts_per_currency(
    client: httpx.AsyncClient, staff_headers: Headers
) -> None:
    await _enable(client, staff_headers, "eur", "0.92")
    await _enable(client, staff_headers, "jpy", "150")
    r = await _post(
        client, staff_headers, kind="amount", amount_off=500, amounts={"EUR": 450, "jpy": 700}
    )
    assert r.status_code == 201, r.text
    made = r.json()
    assert (made["kind"], made["discount"], made["amount_off"], made["currency"]) == (
        "amount",
        None,
        500,
        "usd",
    )
    assert made["amounts"] == {"eur": 450, "jpy": 700}
    patched = await client.patch(
        f"/api/v1/coupons/{made['id']}", json={"amounts": {"eur": 400}}, headers=staff_headers
    )
    assert patched.json()["amounts"] == {"eur": 400}
    assert patched.json()["sync_state"] == "pending"
    to_percent = await client.patch(
        f"/api/v1/coupons/{made['id']}", json={"discount": 10}, headers=staff_headers
    )
    shown = to_percent.json()
    assert (shown["kind"], shown["discount"], shown["amount_off"], shown["amounts"]) == (
        "percent",
        "10.00",
        None,
        {},
    )
    back = await client.patch(
        f"/api/v1/coupons/{made['id']}", json={"amount_off": 300}, headers=staff_headers
    )
    assert (back.json()["kind"], back.json()["amount_off"], back.json()["discount"]) == (
        "amount",
        300,
        None,
    )


async def test_a_percent_coupon_reads_as_before(
    client: httpx.AsyncClient, staff_headers: Headers
) -> None:
    made = (await _post(client, staff_headers, discount=22.0)).json()
    assert (made["kind"], made["discount"], made["amount_off"], made["currency"]) == (
        "percent",
        "22.00",
        None,
        None,
    )
    assert made["amounts"] == {}


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({}, "either discount"),
        ({"discount": 10, "amount_off": 500}, "either percent-off"),
        ({"kind": "amount", "discount": 10}, "does not match"),
        ({"kind": "percent", "amount_off": 500}, "does not match"),
        ({"amount_off": 0}, "greater than 0"),
        ({"amount_off": -5}, "greater than 0"),
        ({"amount_off": 5.5}, "integer"),
        ({"amount_off": "500"}, "integer"),
        ({"amount_off": 100_000_000}, "less than or equal"),
        ({"amount_off": 500, "amounts": {"eur": 0}}, "greater than 0"),
        ({"discount": 10, "amounts": {"eur": 450}}, "amounts belong"),
        ({"amounts": {"eur": 450}}, "either discount"),
        ({"amount_off": 500, "amounts": {"euro": 450}}, "not a currency code"),
        ({"amount_off": 500, "amounts": {"e\u0000r": 450}}, "not a currency code"),
    ],
)
async def test_refused_by_the_schema(
    client: httpx.AsyncClient, staff_headers: Headers, fields: dict[str, Any], needle: str
) -> None:
    r = await _post(client, staff_headers, **fields)
    assert r.status_code == 422, r.text
    assert needle in r.text


async def test_refused_currencies_name_the_problem(
    client: httpx.AsyncClient, staff_headers: Headers
) -> None:
    await _enable(client, staff_headers, "eur", "0.92")
    await _enable(client, staff_headers, "gbp", "0.8", is_enabled=False)
    await _enable(client, staff_headers, "kwd", "0.307")
    for amounts, message in [
        ({"gbp": 400}, "GBP is not a currency this store sells in; enable it first."),
        ({"xyz": 400}, "XYZ is not a currency this store sells in; enable it first."),
        ({"usd": 400}, "USD is the store's currency: set its amount as amount_off."),
        (
            {"kwd": 1505},
            "1.505 KWD cannot be charged: amounts in KWD must be a multiple of 10 minor units.",
        ),
    ]:
        r = await _post(client, staff_headers, amount_off=500, amounts=amounts)
        assert (r.status_code, r.json()["detail"]) == (422, message), amounts
    made = (await _post(client, staff_headers, amount_off=500, amounts={"kwd": 1500})).json()
    r = await client.patch(
        f"/api/v1/coupons/{made['id']}", json={"amounts": {"gbp": 1}}, headers=staff_headers
    )
    assert r.status_code == 422 and "GBP" in r.json()["detail"]
    r = await client.patch(
        f"/api/v1/coupons/{made['id']}",
        json={"discount": 5, "amount_off": 5},
        headers=staff_headers,
    )
    assert r.status_code == 422
    percent = (await _post(client, staff_headers, number="PCT", discount=5)).json()
    r = await client.patch(
        f"/api/v1/coupons/{percent['id']}", json={"amounts": {"eur": 100}}, headers=staff_headers
    )
    assert r.status_code == 422 and "amount-off" in r.json()["detail"]


async def test_a_rate_change_marks_amount_coupons_for_sync(
    client: httpx.AsyncClient, staff_headers: Headers, session: AsyncSession
) -> None:
    await _enable(client, staff_headers, "eur", "0.92")
    amount = (await _post(client, staff_headers, amount_off=500)).json()
    percent = (await _post(client, staff_headers, number="PCT", discount=5)).json()

    async def versions() -> dict[int, int]:
        session.expire_all()
        rows = await session.scalars(select(DiscountCoupon))
        return {row.id: row.sync_version for row in rows}

    before = await versions()
    await _enable(client, staff_headers, "eur", "0.92", position=3)  # no rate change
    assert await versions() == before
    await _enable(client, staff_headers, "eur", "0.95")
    after = await versions()
    assert after[amount["id"]] == before[amount["id"]] + 1
    assert after[percent["id"]] == before[percent["id"]]
    r = await client.delete("/api/v1/currencies/eur", headers=staff_headers)
    assert r.status_code == 204
    assert (await versions())[amount["id"]] == before[amount["id"]] + 2
