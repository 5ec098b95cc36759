"""Mounted in-process under `/stripe-emulator` (single-process demo), and controls off."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from vitrina.stripe_emulator import Clock, create_emulator_app
from vitrina.stripe_emulator.app import Emulator

from .conftest import auth

PUBLIC = "http://127.0.0.1:8000/stripe-emulator"


async def test_mounted_api_page_and_controls() -> None:
    emulator_app = create_emulator_app(public_url=PUBLIC, clock=Clock(start=1_900_000_000))
    host = Starlette(routes=[Mount("/stripe-emulator", app=emulator_app)])
    transport = httpx.ASGITransport(app=host)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        product = await http.post(
            "/stripe-emulator/v1/products",
            data={
                "name": "Tea",
                "default_price_data[currency]": "usd",
                "default_price_data[unit_amount]": "700",
            },
            headers=auth(),
        )
        assert product.status_code == 200
        assert product.json()["created"] == 1_900_000_000
        session = await http.post(
            "/stripe-emulator/v1/checkout/sessions",
            data={
                "mode": "payment",
                "success_url": "http://x/ok",
                "line_items[0][price]": product.json()["default_price"],
                "line_items[0][quantity]": "1",
                "expand[0]": "line_items",
            },
            headers=auth(),
        )
        body = session.json()
        assert body["url"] == f"{PUBLIC}/c/pay/{body['id']}"
        assert body["line_items"]["data"][0]["amount_total"] == 700
        page = await http.get(body["url"].removeprefix("http://127.0.0.1:8000"))
        assert page.status_code == 200 and "7.00 USD" in page.text
        advanced = await http.post(
            "/stripe-emulator/_emulator/clock/advance", json={"seconds": 86400}
        )
        assert advanced.json()["expired"] == [body["id"]]
    emulator: Emulator = emulator_app.state.emulator
    assert emulator.clock.timestamp() == 1_900_000_000 + 86400
    assert emulator.state.sessions.get(body["id"])["status"] == "expired"
    await emulator.aclose()


async def test_controls_can_be_switched_off() -> None:
    app = create_emulator_app(public_url="http://e", controls=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://e"
    ) as http:
        assert (await http.post("/_emulator/reset")).status_code == 404
        assert (await http.get("/v1/products", headers=auth())).status_code == 200
    await app.state.emulator.aclose()
