"""The admin over HTTP: who gets in, every view renders, writes are audited."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from admin.helpers import admin_login, admin_post
from fixtures.accounts import MakeUser
from vitrina.accounts.models import Role, User
from vitrina.audit.models import AuditEntry

VIEWS = (
    "product",
    "category",
    "discount-coupon",
    "order",
    "user",
    "product-sync",
    "coupon-sync",
    "audit-entry",
)


async def test_customers_are_refused_and_staff_get_in(
    client: httpx.AsyncClient, customer: User, staff: User
) -> None:
    assert (await client.get("/admin/product/list")).status_code == 302
    refused = await admin_login(client, customer)
    assert refused.status_code == 400
    assert (await client.get("/admin/product/list")).status_code == 302

    allowed = await admin_login(client, staff)
    assert allowed.status_code == 302
    for identity in VIEWS:
        page = await client.get(f"/admin/{identity}/list")
        assert page.status_code == 200, identity


async def test_cross_site_admin_actions_are_refused(
    client: httpx.AsyncClient, staff: User, make_product
) -> None:
    product = await make_product(name="Kettle")
    await admin_login(client, staff)
    forged = await client.post(
        f"/admin/product/action/deactivate?pks={product.id}",
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert forged.status_code == 302 and "/admin/login" in forged.headers["location"]
    storefront = await client.get(f"/product/{product.slug}")
    assert storefront.status_code == 200


async def test_category_created_in_the_admin_is_audited(
    client: httpx.AsyncClient, staff: User, session: AsyncSession
) -> None:
    await admin_login(client, staff)
    created = await admin_post(
        client,
        "/admin/category/create",
        data={"name": "Garden", "slug": "", "parent_id": "", "description": "", "position": "0"},
    )
    assert created.status_code == 302, created.text[:2000]
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "Category"))
    assert entry is not None
    assert (entry.action, entry.actor_id, entry.before) == ("create", staff.id, None)
    assert entry.entity_id.isdigit()
    assert entry.after is not None and entry.after["slug"] == "garden"


async def test_product_actions_go_through_the_catalog_and_are_audited(
    client: httpx.AsyncClient, staff: User, make_product, session: AsyncSession
) -> None:
    product = await make_product(name="Teapot")
    await admin_login(client, staff)
    response = await admin_post(client, f"/admin/product/action/deactivate?pks={product.id}")
    assert response.status_code == 302
    await session.refresh(product)
    assert product.is_active is False
    assert product.synced_version < product.sync_version  # marked for Stripe by the service
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "deactivate"))
    assert entry is not None
    assert entry.before == {"is_active": True, "sync_version": entry.before["sync_version"]}
    assert entry.after is not None and entry.after["is_active"] is False
    assert (await client.get(f"/product/{product.slug}")).status_code == 404


@pytest.mark.parametrize("role", [Role.STAFF])
async def test_only_admins_change_roles(
    client: httpx.AsyncClient, make_user: MakeUser, customer: User, role: Role
) -> None:
    actor = await make_user(role=role)
    await admin_login(client, actor)
    await admin_post(client, f"/admin/user/action/make-staff?pks={customer.id}")
    page = await client.get(f"/admin/user/details/{customer.id}")
    assert "customer" in page.text


async def test_admin_changes_roles_with_an_audit_entry(
    client: httpx.AsyncClient, admin: User, customer: User, session: AsyncSession
) -> None:
    await admin_login(client, admin)
    await admin_post(client, f"/admin/user/action/make-staff?pks={customer.id}")
    changed = await session.get(User, customer.id, populate_existing=True)
    assert changed is not None and changed.role is Role.STAFF
    entries = (await session.scalars(select(AuditEntry))).all()
    assert [(e.action, e.actor_id, e.after) for e in entries] == [
        ("user.update", admin.id, {"role": "staff"})
    ]  # once: by the accounts service, not again by the admin
    entry = entries[0]
    assert "password_hash" not in (entry.before or {})


async def test_stock_is_adjusted_with_a_reason_and_audited(
    client: httpx.AsyncClient, staff: User, make_product, session: AsyncSession
) -> None:
    product = await make_product(name="Jug", stock=4)
    await admin_login(client, staff)
    started = await admin_post(client, f"/admin/product/action/adjust-stock?pks={product.id}")
    assert started.status_code == 303
    page = await client.get(started.headers["location"])
    assert page.status_code == 200 and 'id="current-stock">4<' in page.text

    received = await admin_post(
        client, started.headers["location"], {"delta": "3", "reason": "Delivery 12"}
    )
    assert received.status_code == 303
    refused = await admin_post(
        client, started.headers["location"], {"delta": "-100", "reason": "Typo"}
    )
    assert refused.status_code == 400 and 'id="stock-error"' in refused.text

    current = await session.get(type(product), product.id, populate_existing=True)
    assert current is not None and current.stock == 7
    entries = (
        await session.scalars(select(AuditEntry).where(AuditEntry.action == "stock:adjust"))
    ).all()
    assert [(e.before, e.after) for e in entries] == [
        ({"stock": 4, "reason": None}, {"stock": 7, "reason": "Delivery 12"})
    ]


async def test_product_edit_form_goes_through_the_catalog(
    client: httpx.AsyncClient, staff: User, make_product, session: AsyncSession
) -> None:
    product = await make_product(name="Bowl", price=1500, stock=2)
    await admin_login(client, staff)
    form = await client.get(f"/admin/product/edit/{product.id}")
    assert form.status_code == 200 and 'value="Bowl"' in form.text
    saved = await admin_post(
        client,
        f"/admin/product/edit/{product.id}",
        data={
            "name": "Big bowl",
            "slug": product.slug,
            "sku": "",
            "category_id": str(product.category_id),
            "price": "25.00",
            "stock": "2",
            "description": "",
            "is_active": "y",
            "image_alt": "",
            "save": "Save",
        },
        files={"image": ("", b"", "application/octet-stream")},  # as a browser sends "no file"
    )
    assert saved.status_code == 302, saved.text[:3000]
    current = await session.get(type(product), product.id, populate_existing=True)
    assert current is not None and (current.name, current.price) == ("Big bowl", 2500)
    assert current.synced_version < current.sync_version
    entry = await session.scalar(
        select(AuditEntry).where(AuditEntry.entity_type == "Product", AuditEntry.action == "update")
    )
    assert entry is not None and entry.before is not None and entry.after is not None
    assert (entry.before["price"], entry.after["price"]) == (1500, 2500)


async def test_coupon_created_in_the_admin_goes_through_the_coupons_service(
    client: httpx.AsyncClient, staff: User, session: AsyncSession
) -> None:
    from vitrina.coupons.models import DiscountCoupon

    await admin_login(client, staff)
    created = await admin_post(
        client,
        "/admin/discount-coupon/create",
        data={
            "number": "SPRING-15",
            "discount": "15",
            "end_at": "2099-05-01T12:00",
            "is_active": "y",
            "max_redemptions": "",
            "max_redemptions_per_customer": "1",
            "save": "Save",
        },
    )
    assert created.status_code == 302, created.text[:3000]
    coupon = await session.scalar(
        select(DiscountCoupon).where(DiscountCoupon.number == "SPRING-15")
    )
    assert coupon is not None and coupon.max_redemptions_per_customer == 1
    assert str(coupon.discount) == "15.00"
    duplicate = await admin_post(
        client,
        "/admin/discount-coupon/create",
        data={"number": "spring-15", "discount": "5", "end_at": "2099-05-01T12:00"},
    )
    assert duplicate.status_code == 400
    entry = await session.scalar(
        select(AuditEntry).where(AuditEntry.entity_type == "DiscountCoupon")
    )
    assert entry is not None and entry.action == "create" and entry.actor_id == staff.id


async def test_actions_change_nothing_on_get_and_refuse_a_post_without_token(
    client: httpx.AsyncClient, admin: User, customer: User, make_product, session: AsyncSession
) -> None:
    product = await make_product(name="Ladle")
    await admin_login(client, admin)
    for url in (
        f"/admin/user/action/make-staff?pks={customer.id}",
        f"/admin/product/action/deactivate?pks={product.id}",
    ):
        assert (await client.get(url)).status_code == 405
        refused = await client.post(url)
        assert refused.status_code == 403 and "Reload the page" in refused.text
        forged = await client.post(url, data={"csrf_token": "not-the-token"})
        assert forged.status_code == 403
    unchanged = await session.get(User, customer.id, populate_existing=True)
    assert unchanged is not None and unchanged.role is Role.CUSTOMER
    await session.refresh(product)
    assert product.is_active is True
    assert (await session.scalars(select(AuditEntry))).all() == []
    deleted = await client.delete(f"/admin/product/delete?pks={product.id}")
    assert deleted.status_code == 403
    assert (await client.get(f"/admin/product/details/{product.id}")).status_code == 200


async def test_invalid_coupon_is_explained_next_to_its_fields(
    client: httpx.AsyncClient, staff: User
) -> None:
    await admin_login(client, staff)
    answer = await admin_post(
        client,
        "/admin/discount-coupon/create",
        {"number": "BAD", "discount": "150", "end_at": "2001-01-01T00:00", "save": "Save"},
    )
    assert answer.status_code == 400
    assert "ValidationError" not in answer.text and "pydantic" not in answer.text
    feedback = re.findall(
        r'id="(\w+)"[^>]*>\s*<div class="invalid-feedback">([^<]+)</div>', answer.text, re.S
    )
    by_field = dict(feedback)
    assert "at most 100" in by_field.get("discount", ""), feedback
    assert "end_at" in by_field, feedback
    client.cookies.set("lang", "ru")
    russian = await admin_post(
        client, "/admin/discount-coupon/create", {"number": "BAD", "discount": "150", "end_at": ""}
    )
    assert "Не больше 100" in russian.text and "Обязательное поле" in russian.text
