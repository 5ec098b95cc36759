"""The caller's addresses and email change over the JSON API."""

from __future__ import annotations

import re

import httpx

from accounts.conftest import Login
from fixtures.accounts import DEFAULT_PASSWORD, MakeUser
from vitrina.accounts.models import User
from vitrina.mail import outbox

ADDRESSES = "/api/v1/users/me/addresses"
ADDRESS = {
    "name": "Anna Petrova",
    "line1": "Nevsky prospekt 1",
    "city": "Saint Petersburg",
    "postal_code": "191186",
    "country": "ru",
}


async def test_addresses_crud_and_default(
    client: httpx.AsyncClient, customer_headers: dict[str, str]
) -> None:
    first = await client.post(ADDRESSES, json=ADDRESS, headers=customer_headers)
    assert first.status_code == 201, first.text
    assert first.json()["is_default"] is True and first.json()["country"] == "RU"
    second = await client.post(
        f"{ADDRESSES}?default=true",
        json={**ADDRESS, "city": "Moscow"},
        headers=customer_headers,
    )
    listed = (await client.get(ADDRESSES, headers=customer_headers)).json()
    assert [(a["city"], a["is_default"]) for a in listed] == [
        ("Moscow", True),
        ("Saint Petersburg", False),
    ]
    first_id, second_id = first.json()["id"], second.json()["id"]
    moved = await client.post(f"{ADDRESSES}/{first_id}/default", headers=customer_headers)
    assert moved.json()["is_default"] is True
    edited = await client.put(
        f"{ADDRESSES}/{second_id}", json={**ADDRESS, "line2": "kv. 5"}, headers=customer_headers
    )
    assert edited.json()["line2"] == "kv. 5"
    deleted = await client.delete(f"{ADDRESSES}/{first_id}", headers=customer_headers)
    assert deleted.status_code == 204
    listed = (await client.get(ADDRESSES, headers=customer_headers)).json()
    assert [(a["id"], a["is_default"]) for a in listed] == [(second_id, True)]


async def test_addresses_are_private_and_validated(
    client: httpx.AsyncClient,
    customer_headers: dict[str, str],
    make_user: MakeUser,
    auth_headers,
) -> None:
    mine = (await client.post(ADDRESSES, json=ADDRESS, headers=customer_headers)).json()
    other = auth_headers(await make_user(email="other@example.com"))
    assert (await client.delete(f"{ADDRESSES}/{mine['id']}", headers=other)).status_code == 404
    assert (await client.get(ADDRESSES, headers=other)).json() == []
    bad = await client.post(
        ADDRESSES, json={**ADDRESS, "country": "AQ", "line1": ""}, headers=customer_headers
    )
    assert bad.status_code == 422
    assert {e["loc"][-1] for e in bad.json()["detail"]} == {"country", "line1"}
    assert (await client.get(ADDRESSES)).status_code == 401


async def test_email_change_over_the_api(
    client: httpx.AsyncClient, customer: User, customer_headers: dict[str, str], login: Login
) -> None:
    asked = await client.post(
        "/api/v1/users/me/email",
        json={"new_email": "Casey.New@Example.com", "password": DEFAULT_PASSWORD},
        headers=customer_headers,
    )
    assert asked.status_code == 202, asked.text
    (message,) = outbox()
    assert message.to == "casey.new@example.com"
    match = re.search(r"/account/email/confirm\?token=([\w-]+)", message.body)
    assert match
    confirmed = await client.post("/api/v1/auth/email/confirm", json={"token": match.group(1)})
    assert confirmed.status_code == 200 and confirmed.json()["email"] == "casey.new@example.com"
    assert (await login("casey.new@example.com")).status_code == 200
    again = await client.post("/api/v1/auth/email/confirm", json={"token": match.group(1)})
    assert again.status_code == 400
    wrong = await client.post(
        "/api/v1/users/me/email",
        json={"new_email": "x@example.com", "password": "Wr0ng-password"},
        headers=customer_headers,
    )
    assert wrong.status_code == 400
