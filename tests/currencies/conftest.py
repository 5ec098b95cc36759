"""Currency tests: a shopper, coupons, the emulator's controls, and a rate table helper."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from basket.conftest import Emulator, Headers, emulator, make_coupon, shopper
from storefront.browser_fixtures import base_url, browser, page

__all__ = [
    "Emulator",
    "Headers",
    "base_url",
    "browser",
    "emulator",
    "make_coupon",
    "page",
    "shopper",
]


@pytest.fixture
def enable(client: httpx.AsyncClient, staff_headers: Headers) -> Callable[..., Awaitable[Any]]:
    """`await enable("eur", "0.92", "99")`: a currency in the table, through the staff API."""

    async def factory(code: str, rate: str, rounding: str = "none", **extra: Any) -> Any:
        r = await client.put(
            f"/api/v1/currencies/{code}",
            json={"rate": rate, "rounding": rounding, **extra},
            headers=staff_headers,
        )
        assert r.status_code == 200, r.text
        return r.json()

    return factory
