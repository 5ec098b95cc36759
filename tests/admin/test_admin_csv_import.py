"""Staff import a product CSV from the admin: the upload leads to the import's own page,
whose progress bar ends in the outcome (in Chromium, and over plain HTTP on both databases)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from admin.browser_steps import log_in
from admin.helpers import admin_login, admin_post
from vitrina.accounts.models import User
from vitrina.catalog.models import ProductVariant

HEADER = "handle,name,category,option1_name,option1_value,variant_sku,variant_price,variant_stock\n"


def _shirts(products: int) -> str:
    rows = [HEADER]
    for n in range(products):
        for index, size in enumerate(("S", "M", "L")):
            first = index == 0
            rows.append(
                f"shirt-{n},{f'Shirt {n}' if first else ''},{'wear' if first else ''},"
                f"{'Size' if first else ''},{size},SH-{n}-{size},{1000 + n},{n % 7}\n"
            )
    return "".join(rows)


async def _wait_finished(client: httpx.AsyncClient, url: str) -> dict[str, Any]:
    for _ in range(300):
        status = (await client.get(f"{url}/status")).json()
        if status["finished"]:
            return status
        await asyncio.sleep(0.1)
    raise AssertionError("the import did not finish")


async def test_an_upload_leads_to_its_page_which_shows_the_outcome(
    client: httpx.AsyncClient, staff: User, make_category, session: AsyncSession
) -> None:
    await make_category(name="Wear")
    await admin_login(client, staff)
    form = await client.get("/admin/product/csv-import")
    assert form.status_code == 200 and 'type="file"' in form.text
    files = {"file": ("shirts.csv", _shirts(20).encode(), "text/csv")}
    sent = await admin_post(client, "/admin/product/csv-import", files=files)
    assert sent.status_code == 303, sent.text
    url = sent.headers["location"]
    status = await _wait_finished(client, url)
    assert (status["status"], status["percent"], status["created"]) == ("done", 100, 20)
    page = await client.get(url)
    assert "Imported 60 rows: 20 products created, 0 updated." in page.text
    assert await session.scalar(select(func.count()).select_from(ProductVariant)) == 60

    bad = _shirts(2).replace("Shirt 1,wear", "Shirt 1,nowhere")
    files = {"file": ("bad.csv", bad.encode(), "text/csv")}
    url = (await admin_post(client, "/admin/product/csv-import", files=files)).headers["location"]
    assert (await _wait_finished(client, url))["status"] == "failed"
    page = await client.get(url)
    assert "Line 5: unknown category &#39;nowhere&#39;" in page.text

    empty = await admin_post(client, "/admin/product/csv-import")
    assert empty.status_code == 400 and "Choose a CSV file to import." in empty.text


@pytest.mark.browser
@pytest.mark.postgres_only
async def test_the_progress_bar_fills_and_the_page_survives_a_reload(
    page: Any, staff: User, make_category, session: AsyncSession, tmp_path: Path
) -> None:
    await make_category(name="Wear")
    upload = tmp_path / "shirts.csv"
    upload.write_text(_shirts(1500))
    await log_in(page, staff)
    await page.goto("/admin/csv-import")
    assert page.url.endswith("/admin/product/csv-import")
    await page.set_input_files("#import-file", str(upload))
    async with page.expect_navigation():
        await page.get_by_role("button", name="Import").click()
    assert "/admin/product/csv-import/" in page.url
    assert await page.locator("#import-progress").count() == 1
    await page.reload()
    await page.wait_for_selector("#import-again", timeout=120_000)
    assert await page.locator("#import-progress").get_attribute("value") == "100"
    state = await page.locator("#import-state").inner_text()
    assert "Imported 4500 rows: 1500 products created, 0 updated." in state
    assert await session.scalar(select(func.count()).select_from(ProductVariant)) == 4500
