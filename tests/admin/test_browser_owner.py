"""The shop owner at work in Chromium: every field of every model edited and saved without
touching the image, images managed, products changed in bulk, an order refunded by lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from admin.browser_steps import confirm, log_in, save
from orders.conftest import eventually
from storefront.browser_fixtures import shot
from storefront.shop_data import product_picture
from vitrina.accounts.models import Role, User
from vitrina.audit.models import AuditEntry
from vitrina.catalog.models import Category, Product, ProductImage
from vitrina.coupons.models import DiscountCoupon
from vitrina.mail import outbox
from vitrina.orders.models import Order
from vitrina.orders.notifications import wait_for_outgoing_mail

pytestmark = [pytest.mark.browser, pytest.mark.postgres_only]


async def _fresh(session: AsyncSession, model: Any, pk: int) -> Any:
    return await session.get(model, pk, populate_existing=True)


async def test_owner_edits_every_field_of_each_model(
    page: Any,
    admin: User,
    customer: User,
    make_category,
    make_product,
    make_coupon,
    session: AsyncSession,
    tmp_path: Path,
) -> None:
    kitchen = await make_category(name="Kitchen")
    garden = await make_category(name="Garden")
    product = await make_product(name="Kettle", category=kitchen, price=4000, stock=3)
    coupon = await make_coupon(number="SPRING", discount="10")
    await log_in(page, admin)
    await page.goto(f"/admin/product/images/{product.id}")
    picture = tmp_path / "kettle.png"
    picture.write_bytes(product_picture("#fef3c7", "#b45309", "mug"))
    await page.set_input_files("#file", str(picture))
    async with page.expect_navigation():
        await page.get_by_role("button", name="Add", exact=True).click()

    await page.goto(f"/admin/product/edit/{product.id}")
    assert await page.input_value("#price") == "40.00"
    await page.fill("#name", "Copper kettle")
    await page.fill("#slug", "copper-kettle")
    await page.fill("#sku", "KT-1")
    await page.select_option("#category_id", label="Garden")
    await page.fill("#price", "abc")
    await save(page)
    assert "Enter an amount" in await page.locator("#price ~ .invalid-feedback").inner_text()
    await page.fill("#price", "1,234.56")
    await page.fill("#stock", "11")
    await page.fill("#description", "Heats on gas and induction.")
    await page.uncheck("#is_active")
    await save(page)
    edited = await _fresh(session, Product, product.id)
    assert (edited.name, edited.slug, edited.sku, edited.category_id) == (
        "Copper kettle",
        "copper-kettle",
        "KT-1",
        garden.id,
    )
    assert (edited.price, edited.stock, edited.is_active) == (123456, 11, False)
    assert edited.description == "Heats on gas and induction."
    images = (await session.scalars(select(ProductImage))).all()
    assert len(images) == 1  # saving without a new image keeps the one there

    await page.goto(f"/admin/category/edit/{garden.id}")
    await page.fill("#name", "Garden & patio")
    await page.fill("#slug", "garden-patio")
    await page.select_option("#parent_id", label="Kitchen")
    await page.fill("#description", "Outdoors.")
    await page.fill("#position", "3")
    await save(page)
    category = await _fresh(session, Category, garden.id)
    assert (category.name, category.slug, category.parent_id) == (
        "Garden & patio",
        "garden-patio",
        kitchen.id,
    )
    assert (category.description, category.position) == ("Outdoors.", 3)

    await page.goto(f"/admin/discount-coupon/edit/{coupon.id}")
    ends = (datetime.now(UTC) + timedelta(days=60)).replace(second=0, microsecond=0)
    await page.fill("#number", "SUMMER-20")
    await page.fill("#discount", "20")
    await page.fill("#end_at", ends.strftime("%Y-%m-%dT%H:%M"))
    await page.uncheck("#is_active")
    await page.fill("#max_redemptions", "50")
    await page.fill("#max_redemptions_per_customer", "2")
    await save(page)
    changed = await _fresh(session, DiscountCoupon, coupon.id)
    assert (changed.number, changed.discount, changed.end_at) == ("SUMMER-20", Decimal(20), ends)
    assert (changed.is_active, changed.max_redemptions) == (False, 50)
    assert changed.max_redemptions_per_customer == 2

    await page.goto(f"/admin/user/edit/{customer.id}")
    await page.fill("#full_name", "Casey Q. Customer")
    await page.select_option("#role", "staff")
    await page.uncheck("#is_active")
    await page.fill("#password", "A-new-Passw0rd!")
    await save(page)
    person = await _fresh(session, User, customer.id)
    assert (person.full_name, person.role, person.is_active) == (
        "Casey Q. Customer",
        Role.STAFF,
        False,
    )
    assert person.password_changed_at is not None

    entries = (await session.scalars(select(AuditEntry))).all()
    kinds = {(e.entity_type, e.actor_id) for e in entries}
    for entity in ("Product", "Category", "DiscountCoupon", "User"):
        assert (entity, admin.id) in kinds, entity
    product_update = next(e for e in entries if e.entity_type == "Product" and e.action == "update")
    assert product_update.before is not None and product_update.after is not None
    assert (product_update.before["price"], product_update.after["price"]) == (4000, 123456)


async def test_owner_adds_reorders_describes_and_removes_images(
    page: Any, staff: User, make_product, session: AsyncSession, tmp_path: Path
) -> None:
    product = await make_product(name="Teapot", price=2500, stock=4)
    await log_in(page, staff)
    await page.goto(f"/admin/product/details/{product.id}")
    async with page.expect_navigation():
        await page.get_by_role("link", name="Images").click()
    for name, colour in (("front", "#2563eb"), ("side", "#16a34a")):
        path = tmp_path / f"{name}.png"
        path.write_bytes(product_picture("#f8fafc", colour, "circle"))
        await page.set_input_files("#file", str(path))
        await page.fill("#alt", f"Teapot, {name}")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Add", exact=True).click()
    rows = page.locator("#images tbody tr")
    assert await rows.count() == 2
    async with page.expect_navigation():
        await rows.nth(1).get_by_title("Move up").click()
    await rows.nth(0).locator("input[name=alt]").fill("Teapot from the side")
    async with page.expect_navigation():
        await rows.nth(0).get_by_role("button", name="Save").click()
    await shot(page, "admin-product-images-en")
    async with page.expect_navigation():
        await rows.nth(1).get_by_role("button", name="Remove").click()

    images = (await session.scalars(select(ProductImage).order_by(ProductImage.position))).all()
    assert [image.alt for image in images] == ["Teapot from the side"]
    unchanged = await session.get(Product, product.id, populate_existing=True)
    assert unchanged is not None and (unchanged.name, unchanged.price, unchanged.stock) == (
        "Teapot",
        2500,
        4,
    )


async def test_owner_changes_products_in_bulk(
    page: Any, staff: User, make_product, make_category, session: AsyncSession
) -> None:
    sale = await make_category(name="Sale")
    first = await make_product(name="Mug A", price=1000)
    second = await make_product(name="Mug B", price=2550)
    untouched = await make_product(name="Mug C", price=700)
    await log_in(page, staff)
    await page.goto("/admin/product/list")

    async def select_rows(*names: str) -> None:
        for name in names:
            row = page.locator("table tbody tr", has_text=name)
            await row.locator("input.select-box").check()

    await select_rows("Mug A", "Mug B")
    await page.get_by_role("button", name="Actions").click()
    async with page.expect_navigation():
        await page.get_by_text("Change category or price…").click()
    await page.check("#op-price")
    await page.fill("#percent", "10")
    await shot(page, "admin-product-bulk-en")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Apply to all").click()
    prices = [
        (await session.get(Product, p.id, populate_existing=True)).price
        for p in (first, second, untouched)
    ]  # type: ignore[union-attr]
    assert prices == [1100, 2805, 700]

    await select_rows("Mug A", "Mug B")
    await page.get_by_role("button", name="Actions").click()
    async with page.expect_navigation():
        await page.get_by_text("Change category or price…").click()
    await page.check("#op-category")
    await page.select_option("#category_id", label="Sale")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Apply to all").click()

    await select_rows("Mug A", "Mug B")
    await page.get_by_role("button", name="Actions").click()
    await page.locator("[id^='action-customconfirm-deactivate']").click()
    await confirm(page)
    for product in (first, second):
        current = await session.get(Product, product.id, populate_existing=True)
        assert current is not None and current.category_id == sale.id and not current.is_active
    still = await session.get(Product, untouched.id, populate_existing=True)
    assert still is not None and still.is_active and still.category_id != sale.id
    actions = [
        (e.action, e.entity_id)
        for e in (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    ]
    for product in (first, second):
        for action in ("bulk:price", "bulk:category", "deactivate"):
            assert (action, str(product.id)) in actions


async def test_owner_refunds_lines_with_restock_double_clicking(
    page: Any,
    staff: User,
    customer: User,
    make_product,
    make_paid_order,
    emulator,
    listen,
    session: AsyncSession,
) -> None:
    jug = await make_product(name="Milk jug", price=1800, stock=6)
    spoon = await make_product(name="Spoon", price=300, stock=20)
    order, arranged = await make_paid_order(customer, [(jug, 2), (spoon, 4)], shipping=500)
    await listen()
    await log_in(page, staff)
    await page.goto(f"/admin/order/details/{order.id}")
    async with page.expect_navigation():
        await page.locator("#refund-link").click()
    items = {item.product_id: item.id for item in order.items}
    await page.fill(f"#qty-{items[jug.id]}", "1")
    await page.fill(f"#qty-{items[spoon.id]}", "2")
    await page.check("#restock")
    await page.fill("#refund-note", "The jug arrived cracked.")
    await shot(page, "admin-order-refund-form-en")
    await page.locator("#refund-submit").dblclick()
    await page.wait_for_url(f"**/admin/order/details/{order.id}")
    refunds = await emulator.stripe.v1.refunds.list_async(
        {"payment_intent": order.stripe_payment_intent_id}
    )
    assert [r.amount for r in refunds.data] == [1800 + 600]

    async def confirmed() -> bool:
        current = await session.get(Order, order.id, populate_existing=True)
        return current is not None and current.amount_refunded == 2400

    await eventually(confirmed, what="charge.refunded")
    await emulator.settle()
    await page.reload()
    assert await page.locator("#refunded").inner_text() == "−$24.00"
    net = arranged.total - 2400
    assert await page.locator("#net").inner_text() == f"${net / 100:,.2f}"
    stock = [
        (await session.get(Product, p.id, populate_existing=True)).stock  # type: ignore[union-attr]
        for p in (jug, spoon)
    ]
    assert stock == [5, 18]
    await shot(page, "admin-order-after-refund-en")
    await wait_for_outgoing_mail()
    assert [m.to for m in outbox() if "refund" in m.subject.lower()] == [customer.email]
