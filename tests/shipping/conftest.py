"""Shipping tests: a staff-made zone and its methods, a shopper, the emulator's controls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from basket.conftest import Emulator, Headers, emulator, shopper

__all__ = ["Emulator", "Headers", "emulator", "shopper"]


@pytest.fixture
def europe(client: httpx.AsyncClient, staff_headers: Headers) -> Callable[[], Awaitable[dict]]:
    """`await europe()`: a zone (DE, FR, NL) with a flat courier, weight-tiered post, free
    delivery over 100.00 and a pickup point, made through the staff API."""

    async def factory() -> dict[str, Any]:
        r = await client.post(
            "/api/v1/shipping/zones",
            json={"name": "Europe", "countries": ["de", "FR", "nl"]},
            headers=staff_headers,
        )
        assert r.status_code == 201, r.text
        zone = r.json()
        methods = [
            {"name": "Courier", "kind": "flat", "amount": 1500, "min_days": 1, "max_days": 2},
            {
                "name": "Post",
                "kind": "weight",
                "weight_tiers": [
                    {"up_to_grams": 2000, "amount": 900},
                    {"up_to_grams": 1000, "amount": 500},
                ],
                "min_days": 3,
                "max_days": 6,
            },
            {"name": "Free delivery", "kind": "free_over", "free_over": 10000, "max_days": 7},
            {"name": "Pickup in Berlin", "kind": "pickup", "amount": 200, "position": 9},
        ]
        for method in methods:
            r = await client.post(
                f"/api/v1/shipping/zones/{zone['id']}/methods", json=method, headers=staff_headers
            )
            assert r.status_code == 201, r.text
        return (
            await client.get(f"/api/v1/shipping/zones/{zone['id']}", headers=staff_headers)
        ).json()

    return factory
