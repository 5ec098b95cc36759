"""A staff member manages a product in the admin, in Chromium, and the store follows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from admin.browser_steps import confirm, log_in, save
from storefront.browser_fixtures import shot
from storefront.shop_data import product_picture
from vitrina.accounts.models import User
from vitrina.audit.models import AuditEntry
from vitrina.catalog.models import Product

pytestmark = [pytest.mark.browser, pytest.mark.postgres_only]


async def test_staff_creates_and_deactivates_a_product(
    page: Any, staff: User, make_category, session: AsyncSession, tmp_path: Path
) -> None:
    await make_category(name="Ceramics")
    picture = tmp_path / "vase.png"
    picture.write_bytes(product_picture("#eef2ff", "#4338ca", "triangle"))

    await log_in(page, staff)
    await page.goto("/admin/product/create")
    await page.fill("#name", "Indigo vase")
    await page.select_option("#category_id", label="Ceramics")
    await page.fill("#price", "1,146.50")
    await page.fill("#stock", "7")
    await page.fill("#description", "Hand-thrown, glazed inside.")
    await page.set_input_files("#image", str(picture))
    await page.fill("#image_alt", "An indigo vase")
    await save(page)
    assert page.url.endswith("/admin/product/list")

    product = await session.scalar(select(Product).where(Product.name == "Indigo vase"))
    assert product is not None and product.price == 114650 and product.stock == 7
    listed = await page.locator("table tbody").inner_text()
    assert "$1,146.50" in listed and "114650" not in listed

    store = await page.context.new_page()
    await store.goto(f"/product/{product.slug}")
    assert await store.locator("h1").inner_text() == "Indigo vase"
    assert await store.locator("img.product-image-large").get_attribute("alt") == "An indigo vase"

    await page.goto(f"/admin/product/details/{product.id}")
    await page.get_by_text("Take off sale").click()
    await confirm(page)
    await session.refresh(product)
    assert product.is_active is False

    response = await store.goto(f"/product/{product.slug}")
    assert response is not None and response.status == 404

    await page.goto("/admin/audit-entry/list")
    rows = await page.locator("table tbody tr").all_inner_texts()
    assert any("Created" in row and "Product" in row and staff.email in row for row in rows)
    assert any("Taken off sale" in row and "Product" in row for row in rows), rows
    entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    product_entries = [
        (e.action, e.actor_id, e.entity_id) for e in entries if e.entity_type == "Product"
    ]
    assert ("create", staff.id, str(product.id)) in product_entries
    assert ("deactivate", staff.id, str(product.id)) in product_entries
    await shot(page, "admin-audit-log-after-product-changes")
