"""An admin changes a user's email through the accounts service (normalised, look-alikes
refused, the previous address told), and a service refusal that names a field (a slug, SKU,
coupon code or email already taken) is shown next to that field, not as an alert on top."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from admin.helpers import admin_login, admin_post
from fixtures.accounts import MakeUser
from vitrina.accounts.models import User
from vitrina.audit.models import AuditEntry
from vitrina.coupons.models import DiscountCoupon
from vitrina.kit.after_commit import wait_for_after_commit_jobs
from vitrina.mail import outbox

FEEDBACK = re.compile(r'id="(\w+)"[^>]*>\s*<div class="invalid-feedback">([^<]+)</div>', re.S)
ALERT = 'class="alert alert-danger"'


def next_to_fields(html: str) -> dict[str, str]:
    return dict(FEEDBACK.findall(html))


def user_form(user: User, **changes: str) -> dict[str, str]:
    """The edit form as the browser sends it: every field as shown, some changed."""
    return {
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role.value,
        "is_active": "y",
        "password": "",
        "save": "Save",
        **changes,
    }


async def test_admin_changes_a_users_email_and_the_old_address_is_told(
    client: httpx.AsyncClient, admin: User, customer: User, session: AsyncSession
) -> None:
    await admin_login(client, admin)
    saved = await admin_post(
        client,
        f"/admin/user/edit/{customer.id}",
        user_form(customer, email="Casey.New@EXAMPLE.com"),
    )
    assert saved.status_code == 302, next_to_fields(saved.text)
    changed = await session.get(User, customer.id, populate_existing=True)
    assert changed is not None and changed.email == "casey.new@example.com"
    await wait_for_after_commit_jobs()
    (notice,) = outbox()
    assert notice.to == "customer@example.com", "told at the old address, no confirmation link"
    assert "casey.new@example.com" in notice.body and "token=" not in notice.body
    entry = await session.scalar(
        select(AuditEntry).where(AuditEntry.entity_type == "User", AuditEntry.action == "update")
    )
    assert entry is not None and entry.actor_id == admin.id
    assert (entry.before or {}).get("email") == "customer@example.com"
    assert (entry.after or {}).get("email") == "casey.new@example.com"


async def test_a_taken_or_look_alike_email_is_refused_next_to_the_field(
    client: httpx.AsyncClient,
    admin: User,
    customer: User,
    make_user: MakeUser,
    session: AsyncSession,
) -> None:
    await make_user(email="anna@example.com")
    await admin_login(client, admin)
    url = f"/admin/user/edit/{customer.id}"
    taken = await admin_post(client, url, user_form(customer, email="ANNA@example.com"))
    assert taken.status_code == 400 and ALERT not in taken.text
    assert next_to_fields(taken.text) == {
        "email": "An account with this email address already exists."
    }
    look_alike = await admin_post(client, url, user_form(customer, email="аnna@example.com"))
    assert look_alike.status_code == 400 and ALERT not in look_alike.text
    assert "looks the same" in next_to_fields(look_alike.text)["email"]
    client.cookies.set("lang", "ru")
    russian = await admin_post(client, url, user_form(customer, email="anna@example.com"))
    assert next_to_fields(russian.text) == {"email": "Аккаунт с этим адресом почты уже есть."}
    unchanged = await session.get(User, customer.id, populate_existing=True)
    assert unchanged is not None and unchanged.email == "customer@example.com"
    assert outbox() == []


async def test_api_admins_change_emails_with_the_same_rules(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    customer: User,
    make_user: MakeUser,
) -> None:
    await make_user(email="anna@example.com")
    url = f"/api/v1/users/{customer.id}"
    refused = await client.patch(url, json={"email": "Anna@Example.com"}, headers=admin_headers)
    assert refused.status_code == 409, refused.text
    changed = await client.patch(url, json={"email": "Casey@Example.org"}, headers=admin_headers)
    assert changed.status_code == 200 and changed.json()["email"] == "casey@example.org"
    await wait_for_after_commit_jobs()
    assert [m.to for m in outbox()] == ["customer@example.com"]


async def test_slug_and_sku_taken_are_said_next_to_their_fields(
    client: httpx.AsyncClient, staff: User, make_product
) -> None:
    await make_product(name="Teapot", sku="TEA-1", slug_ru="чайник")
    bowl = await make_product(name="Bowl")
    await admin_login(client, staff)
    form = {
        "name": "Bowl",
        "slug": "teapot",
        "sku": "TEA-1",
        "category_id": str(bowl.category_id),
        "price": "10.00",
        "stock": "5",
        "description": "",
        "is_active": "y",
        "image_alt": "",
        "save": "Save",
    }
    files = {"image": ("", b"", "application/octet-stream")}
    url = f"/admin/product/edit/{bowl.id}"
    slug_taken = await admin_post(client, url, data=form, files=files)
    assert slug_taken.status_code == 400 and ALERT not in slug_taken.text
    assert next_to_fields(slug_taken.text) == {
        "slug": "Another product already uses this web address."
    }
    sku_taken = await admin_post(client, url, data={**form, "slug": "bowl"}, files=files)
    assert next_to_fields(sku_taken.text) == {"sku": "Another product already uses this SKU."}
    russian_slug = await admin_post(
        client, url, data={**form, "slug": "bowl", "sku": "", "slug_ru": "чайник"}, files=files
    )
    assert next_to_fields(russian_slug.text) == {
        "slug_ru": "Another product already uses this web address."
    }


async def test_category_slug_and_coupon_code_taken_are_said_next_to_their_fields(
    client: httpx.AsyncClient, staff: User, make_category, session: AsyncSession
) -> None:
    await make_category(name="Kitchen", slug="kitchen")
    await admin_login(client, staff)
    category = await admin_post(
        client,
        "/admin/category/create",
        {"name": "Cooking", "slug": "kitchen", "parent_id": "", "position": "0", "save": "Save"},
    )
    assert category.status_code == 400 and ALERT not in category.text
    assert next_to_fields(category.text) == {
        "slug": "Another category already uses this web address."
    }
    session.add(
        DiscountCoupon(
            number="SPRING",
            discount=10,
            end_at=datetime(2099, 1, 1, tzinfo=UTC),
            is_active=True,
            times_redeemed=0,
            sync_version=1,
            synced_version=0,
            sync_attempts=0,
        )
    )
    await session.commit()
    client.cookies.set("lang", "ru")
    coupon = await admin_post(
        client,
        "/admin/discount-coupon/create",
        {"number": "spring", "discount": "5", "end_at": "2099-05-01T12:00", "save": "Save"},
    )
    assert coupon.status_code == 400 and ALERT not in coupon.text
    assert next_to_fields(coupon.text) == {
        "number": "Этот код уже у другого купона (регистр букв не важен)."
    }
