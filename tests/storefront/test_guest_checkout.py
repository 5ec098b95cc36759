"""Paying as a guest: Stripe asks for the email, and the order lands in that email's account
(made for it, with a mail to choose a password, if there is none). One order per payment."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fixtures.catalog import MakeProduct
from orders.conftest import Emulator, Listen, emulator, listen
from storefront.helpers import csrf_from, web_login
from storefront.test_basket_header import badge
from vitrina.accounts.models import User
from vitrina.basket.models import CheckoutSession
from vitrina.config import Settings
from vitrina.kit.after_commit import wait_for_after_commit_jobs
from vitrina.mail import outbox
from vitrina.orders.models import Order
from vitrina.orders.notifications import wait_for_outgoing_mail

__all__ = ["emulator", "listen"]  # the orders tests' Stripe controls, used as fixtures here


async def pay_as_guest(
    client: httpx.AsyncClient,
    settings: Settings,
    session: AsyncSession,
    product_slug: str,
    **paid_as: str,
) -> tuple[CheckoutSession, httpx.Response]:
    """Fill a basket as a guest, choose "Pay as a guest", pay on Stripe's page as `paid_as`,
    and come back to the success link."""
    page = await client.get(f"/product/{product_slug}")
    product_id = re.search(r'name="product_id" value="(\d+)"', page.text)
    assert product_id
    token = csrf_from(page.text)
    await client.post(
        "/basket/items",
        data={"product_id": product_id[1], "quantity": 2, "next": "/", "csrf_token": token},
    )
    basket = await client.get("/basket")
    assert "/checkout/guest" in basket.text  # the "Pay as a guest" button, in any language
    opened = await client.post("/checkout/guest", data={"csrf_token": csrf_from(basket.text)})
    assert opened.status_code == 303, opened.text[:300]
    checkout = await session.scalar(select(CheckoutSession))
    assert checkout is not None and checkout.url == opened.headers["location"]
    assert checkout.user_id is None
    assert settings.stripe_api_base
    async with httpx.AsyncClient(base_url=settings.stripe_api_base) as stripe_controls:
        paid = await stripe_controls.post(
            f"/_emulator/checkout/sessions/{checkout.id}/complete",
            json={"outcome": "paid", **paid_as},
        )
        paid.raise_for_status()
    assert paid.json()["customer_email"] is None  # the store knew no email: Stripe asked
    assert paid.json()["customer_details"]["email"] == paid_as["email"]
    back = await client.get(
        "/checkout/success", params={"code": checkout.unique_code, "session_id": checkout.id}
    )
    await wait_for_outgoing_mail()
    await wait_for_after_commit_jobs()
    return checkout, back


async def test_a_guest_pays_and_gets_an_account_to_set_a_password_for(
    client: httpx.AsyncClient, make_product: MakeProduct, session: AsyncSession, settings: Settings
) -> None:
    vase = await make_product(name="Glass vase", price=40_00, stock=5)
    checkout, success = await pay_as_guest(
        client, settings, session, vase.slug, email="Nina@Example.com", name="Nina Orlova"
    )
    assert success.status_code == 200, success.text[:500]
    assert "Thank you for your order!" in success.text
    assert "Your order is kept in the account for Nina@Example.com" in success.text
    assert "basket-count" not in badge(success.text)[1]

    user = await session.scalar(select(User).where(User.email == "nina@example.com"))
    assert user is not None and user.full_name == "Nina Orlova"
    orders = (await session.scalars(select(Order))).all()
    assert [(o.user_id, o.total) for o in orders] == [(user.id, 80_00 + checkout.amount_shipping)]

    mails = {mail.subject: mail for mail in outbox() if mail.to.lower() == "nina@example.com"}
    choose = mails["Choose a password for your Vitrina account"]
    link = re.search(r"http://testserver/reset-password\?token=(\S+)", choose.body)
    assert link, choose.body
    assert any(f"#{orders[0].id}" in subject for subject in mails)  # the order confirmation
    token = parse_qs(urlsplit(link[0]).query)["token"][0]
    chosen = await client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "new_password": "Fresh-pass-42"},
    )
    assert chosen.status_code == 204, chosen.text
    client.cookies.clear()
    await web_login(client, "nina@example.com", "Fresh-pass-42")
    account = await client.get("/account")
    assert f"#{orders[0].id}" in account.text

    again = await client.get(
        "/checkout/success", params={"code": checkout.unique_code, "session_id": checkout.id}
    )
    assert again.status_code == 404  # a logged-in account is not the guest's basket
    assert await session.scalar(select(func.count()).select_from(Order)) == 1


async def test_a_guest_with_a_known_email_adds_the_order_to_that_account(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_product: MakeProduct,
    session: AsyncSession,
    settings: Settings,
    customer: User,
) -> None:
    lamp = await make_product(name="Lamp", price=25_00, stock=5)
    checkout, success = await pay_as_guest(
        client, settings, session, lamp.slug, email=customer.email
    )
    assert success.status_code == 200
    replay = await client.get(
        "/checkout/success", params={"code": checkout.unique_code, "session_id": checkout.id}
    )
    assert replay.status_code == 200  # the same guest may come back to the page
    orders = (await session.scalars(select(Order))).all()
    assert [o.user_id for o in orders] == [customer.id]  # one order, on the existing account
    assert await session.scalar(select(func.count()).select_from(User)) == 1
    assert not [m for m in outbox() if m.subject.startswith("Choose a password")]

    async with httpx.AsyncClient(
        transport=client._transport, base_url="http://testserver"
    ) as other:
        stranger = await other.get(
            "/checkout/success", params={"code": checkout.unique_code, "session_id": checkout.id}
        )
        assert stranger.status_code == 303  # no basket cookie: asked to log in, shown nothing
        await other.put(f"/api/v1/basket/items/{lamp.id}", json={"quantity": 1})
        other_guest = await other.get(
            "/checkout/success", params={"code": checkout.unique_code, "session_id": checkout.id}
        )
        assert other_guest.status_code == 404  # another guest's basket: not this checkout


async def test_webhooks_and_the_success_link_at_once_make_one_order_and_one_account(
    client: httpx.AsyncClient,
    make_product: MakeProduct,
    session: AsyncSession,
    emulator: Emulator,
    listen: Listen,
) -> None:
    bowl = await make_product(name="Bowl", price=12_00, stock=5)
    page = await client.get(f"/product/{bowl.slug}")
    await client.post(
        "/basket/items",
        data={
            "product_id": bowl.id,
            "quantity": 1,
            "next": "/",
            "csrf_token": csrf_from(page.text),
        },
    )
    basket = await client.get("/basket")
    await client.post("/checkout/guest", data={"csrf_token": csrf_from(basket.text)})
    checkout = await session.scalar(select(CheckoutSession))
    assert checkout is not None
    await emulator.complete(checkout.id, "paid", email="twice@example.com")
    await listen()
    completed = await emulator.event("checkout.session.completed", checkout.id)
    success_params = {"code": checkout.unique_code, "session_id": checkout.id}
    delivered, back = await asyncio.gather(
        emulator.deliver(completed.id, times=4, concurrent=True),
        client.get("/checkout/success", params=success_params),
    )
    assert back.status_code == 200 and all(d["status"] == 200 for d in delivered)
    await wait_for_after_commit_jobs()
    assert await session.scalar(select(func.count()).select_from(Order)) == 1
    users = (await session.scalars(select(User))).all()
    assert [u.email for u in users] == ["twice@example.com"]
    choose = [m for m in outbox() if m.subject.startswith("Choose a password")]
    assert [m.to for m in choose] == ["twice@example.com"]


async def test_a_russian_guests_mails_are_in_russian(
    client: httpx.AsyncClient, make_product: MakeProduct, session: AsyncSession, settings: Settings
) -> None:
    vase = await make_product(name="Glass vase", name_ru="Стеклянная ваза", price=40_00, stock=5)
    client.cookies.set("lang", "ru")
    checkout, success = await pay_as_guest(
        client, settings, session, vase.slug, email="nina@example.com", name="Нина Орлова"
    )
    assert success.status_code == 200, success.text[:500]
    assert checkout.language == "ru"
    mails = {mail.subject: mail for mail in outbox() if mail.to == "nina@example.com"}
    choose = mails["Задайте пароль аккаунта в магазине Vitrina"]
    assert "Мы создали аккаунт для nina@example.com" in choose.body
    assert "/reset-password?token=" in choose.body
    (confirmation,) = [mail for subject, mail in mails.items() if "подтверждён" in subject]
    assert "2 × Стеклянная ваза" in confirmation.body
