"""Tax tests: a shopper and the emulator's controls."""

from __future__ import annotations

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
