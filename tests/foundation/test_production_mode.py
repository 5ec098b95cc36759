"""Outside demo mode nothing of the demo is there: no banner, no emulator inside the app."""

from __future__ import annotations

import httpx


async def test_a_store_with_stripe_keys_has_no_demo_banner_and_no_emulator(
    client: httpx.AsyncClient,
) -> None:
    assert "data-demo-banner" not in (await client.get("/")).text
    assert "data-demo-banner" not in (await client.get("/admin/login")).text
    bearer = {"Authorization": "Bearer sk_test_anything"}
    assert (
        await client.get("/stripe-emulator/v1/checkout/sessions", headers=bearer)
    ).status_code == 404
    completed = await client.post(
        "/stripe-emulator/_emulator/checkout/sessions/cs_test_x/complete", json={"outcome": "paid"}
    )
    assert completed.status_code == 404
