"""Issue 14's race on the README's first command: `vitrina demo` (SQLite, the built-in Stripe
served by the same process). Thirty shoppers check out the last five of a product at once:
five payment pages open, and once paid (Stripe's webhooks come back into the same process
while other checkouts may hold SQLite's write lock) they make five orders, nothing more."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from fixtures.servers import free_port
from foundation.test_demo_restart import SHIPPING, Demo, checkout, eventually

SHOPPERS = 30
IN_STOCK = 5
STAFF = {"username": "staff@example.com", "password": "staff-demo-1"}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(300),
    pytest.mark.skipif(
        os.environ.get("VITRINA_TEST_DATABASE") != "sqlite",
        reason="the demo runs on SQLite whatever the suite runs on: once, in the SQLite pass",
    ),
]


async def _shopper(demo: Demo, number: int) -> httpx.AsyncClient:
    http = httpx.AsyncClient(base_url=demo.url, timeout=60)
    email = f"racer{number}-{secrets.token_hex(3)}@example.com"
    password = f"Race-{secrets.token_urlsafe(12)}"
    made = await http.post("/api/v1/auth/register", json={"email": email, "password": password})
    assert made.status_code == 201, made.text
    token = await http.post("/api/v1/auth/token", data={"username": email, "password": password})
    assert token.status_code == 200, token.text
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return http


async def _pay(session_url: str) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        assert (await http.get(session_url)).status_code == 200
        paid = await http.post(session_url, data=SHIPPING)
        assert paid.status_code == 303, paid.text


async def _race(demo: Demo, product_id: int) -> list[dict[str, Any]]:
    shoppers = await asyncio.gather(*(_shopper(demo, n) for n in range(SHOPPERS)))
    try:
        for http in shoppers:
            put = await http.put(f"/api/v1/basket/items/{product_id}", json={"quantity": 1})
            assert put.status_code == 200, put.text
        answers = await asyncio.gather(*(http.post("/api/v1/checkout") for http in shoppers))
        assert Counter(a.status_code for a in answers) == {200: IN_STOCK, 409: SHOPPERS - IN_STOCK}
        opened = [a.json() for a in answers if a.status_code == 200]
        await asyncio.gather(*(_pay(session["url"]) for session in opened))
        winners = [http for http, a in zip(shoppers, answers, strict=True) if a.status_code == 200]

        async def orders_made() -> list[dict[str, Any]] | None:
            lists = await asyncio.gather(*(http.get("/api/v1/orders") for http in winners))
            made = [o for listed in lists for o in listed.json()["items"]]
            return made if len(made) == IN_STOCK else None

        for _ in range(300):
            made = await orders_made()
            if made is not None:
                return made
            await asyncio.sleep(0.1)
        raise AssertionError("the paid sessions did not all become orders")
    finally:
        await asyncio.gather(*(http.aclose() for http in shoppers))


def test_thirty_demo_shoppers_buy_the_last_five(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BCRYPT_ROUNDS", "4")  # the demo process inherits it
    demo = Demo(tmp_path, free_port())
    try:
        demo.start()
        with httpx.Client(base_url=demo.url, timeout=30) as staff:
            token = staff.post("/api/v1/auth/token", data=STAFF).json()["access_token"]
            staff.headers["Authorization"] = f"Bearer {token}"
            product = staff.get("/api/v1/products", params={"limit": 1}).json()["items"][0]
            # One more than the race's five: the staff's own checkout waits for the product
            # to reach the demo's Stripe, and keeps one reserved.
            patched = staff.patch(f"/api/v1/products/{product['id']}", json={"stock": 6})
            assert patched.status_code == 200, patched.text
            checkout(staff, product["id"])
            made = asyncio.run(_race(demo, product["id"]))
            assert sorted(o["items"][0]["product_id"] for o in made) == [product["id"]] * 5

            def sold() -> int | None:
                stock = staff.get(f"/api/v1/products/{product['id']}").json()["stock"]
                return int(stock) if stock == 1 else None

            assert eventually(sold, "the stock to show five sold") == 1
    finally:
        demo.close()
    log = demo.log.read_text()
    assert "Traceback" not in log and "database is locked" not in log, log[-3000:]
