"""A real store server and a real Chromium, for the browser tests.

The server is uvicorn running the test app on the suite's own event loop (pytest-asyncio's
session loop): the app's database pool then lives on one loop, shared with the fixtures that
arrange data. While a browser test runs, PUBLIC_BASE_URL points at the server, so Stripe's
success and cancel URLs lead the browser back to it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from vitrina.config import Settings

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def base_url(live_server: str, settings: Settings) -> Iterator[str]:
    """The live server's address, made the store's public address for this test."""
    previous = settings.public_base_url
    settings.public_base_url = live_server
    yield live_server
    settings.public_base_url = previous


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


@asynccontextmanager
async def open_tab(
    browser: Any, base_url: str, *, viewport: dict[str, int] = DESKTOP, locale: str = "en-US"
) -> AsyncIterator[Any]:
    """A tab in a fresh browser context; JavaScript errors or CSP violations fail the test."""
    context = await browser.new_context(base_url=base_url, viewport=viewport, locale=locale)
    context.set_default_timeout(15_000)
    tab = await context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield tab
    await context.close()
    assert not errors, f"JavaScript errors or CSP violations on the page: {errors}"


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Any, base_url: str) -> AsyncIterator[Any]:
    async with open_tab(browser, base_url) as tab:
        yield tab


async def shot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot under artifacts/screenshots (kept by CI) and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=full_page)
    return path
