"""Every admin page, in English and in Russian, in Chromium: it opens, speaks the language
chosen with the switcher, and is kept as a screenshot in artifacts/screenshots."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from admin.browser_steps import log_in, save
from admin.test_admin_orders import paid_order
from storefront.browser_fixtures import shot
from storefront.shop_data import product_picture
from vitrina.accounts.models import User
from vitrina.catalog import images as catalog_images
from vitrina.db import db_helper

pytestmark = [pytest.mark.browser, pytest.mark.postgres_only]

WORDS = {
    "en": ("Orders", "Products", "Audit log"),
    "ru": ("Заказы", "Товары", "Журнал изменений"),
}


async def test_every_admin_page_in_both_languages(
    page: Any,
    admin: User,
    customer: User,
    make_category,
    make_product,
    make_coupon,
    session: AsyncSession,
) -> None:
    kitchen = await make_category(name="Kitchen")
    product = await make_product(name="Enamel mug", category=kitchen, price=114600, stock=2)
    async with db_helper.session_factory() as writer:
        await catalog_images.add_image(
            writer, product, product_picture("#ecfeff", "#0e7490", "mug"), alt="Mug"
        )
        await writer.commit()
    coupon = await make_coupon(number="WELCOME10")
    order = await paid_order(session, customer)
    pages = {
        "dashboard": "/admin/",
        "orders": "/admin/order/list",
        "order": f"/admin/order/details/{order.id}",
        "order-refund": f"/admin/order/{order.id}/refund",
        "order-review": f"/admin/order/review/{order.id}",
        "packing-slip": f"/admin/order/{order.id}/packing-slip",
        "products": "/admin/product/list",
        "product": f"/admin/product/details/{product.id}",
        "product-edit": f"/admin/product/edit/{product.id}",
        "product-create": "/admin/product/create",
        "product-images": f"/admin/product/images/{product.id}",
        "product-stock": f"/admin/product/stock/{product.id}",
        "product-bulk": f"/admin/product/bulk?pks={product.id}",
        "categories": "/admin/category/list",
        "category-edit": f"/admin/category/edit/{kitchen.id}",
        "coupons": "/admin/discount-coupon/list",
        "coupon-edit": f"/admin/discount-coupon/edit/{coupon.id}",
        "users": "/admin/user/list",
        "user": f"/admin/user/details/{customer.id}",
        "user-edit": f"/admin/user/edit/{customer.id}",
        "user-create": "/admin/user/create",
        "products-awaiting-stripe": "/admin/product-sync/list",
        "audit-log": "/admin/audit-entry/list",
    }
    await page.goto("/admin/login")
    await shot(page, "admin-en-login")
    await log_in(page, admin)
    await page.goto(f"/admin/product/edit/{product.id}")
    await page.fill("#price", "1,099.00")
    await save(page)
    for language in ("en", "ru"):
        if language == "ru":
            async with page.expect_navigation():
                await page.locator(".admin-languages a[lang=ru]").click()
        for name, url in pages.items():
            response = await page.goto(url)
            assert response is not None and response.status == 200, (language, url)
            if name != "packing-slip":
                menu = await page.locator("#navbar-menu").inner_text()
                assert all(word in menu for word in WORDS[language]), (language, name, menu)
            await shot(page, f"admin-{language}-{name}")
    await page.goto("/admin/logout")
    await page.goto("/admin/login")
    assert await page.locator("label[for=username]").inner_text() == "Email"
    await shot(page, "admin-ru-login")
