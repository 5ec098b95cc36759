"""The account pages over HTTP, as a browser without JavaScript uses them (forms and links)."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fixtures.accounts import DEFAULT_PASSWORD, MakeUser
from storefront.helpers import csrf_from, page_token, web_login
from vitrina.accounts.models import PasswordResetToken, ShippingAddress, User
from vitrina.mail import clear_outbox, outbox

LINK = re.compile(r"http://testserver(/[\w/-]+\?token=[\w-]+)")
COOKIE = "vitrina_session"


def _link_in_last_mail(to: str) -> str:
    message = outbox()[-1]
    assert message.to == to
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


async def _post(client: httpx.AsyncClient, page: str, action: str, **form: str) -> httpx.Response:
    return await client.post(action, data={"csrf_token": await page_token(client, page), **form})


async def _reset(
    client: httpx.AsyncClient, form: str, token: str, password: str, confirm: str | None = None
) -> httpx.Response:
    """Submit the reset form (`form`: the page's HTML) as a person types into it."""
    fields = {"token": token, "new_password": password, "confirm_password": confirm or password}
    return await client.post("/reset-password", data={"csrf_token": csrf_from(form), **fields})


async def _opens_account(app: FastAPI, cookie: str) -> bool:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        other.cookies.set(COOKIE, cookie)
        return (await other.get("/account/settings")).status_code == 200


async def test_forgot_password_mail_link_reset_then_log_in(
    app: FastAPI, client: httpx.AsyncClient, make_user: MakeUser, session: AsyncSession
) -> None:
    user = await make_user(email="olga@example.com")
    login_page = (await client.get("/login")).text
    assert 'href="/forgot-password"' in login_page

    sent = await _post(client, "/forgot-password", "/forgot-password", email="Olga@Example.com")
    assert sent.status_code == 200 and 'id="reset-sent"' in sent.text
    link = _link_in_last_mail(user.email)
    assert link.startswith("/reset-password?token=")

    form = await client.get(link)
    assert form.status_code == 200
    token = link.split("=", 1)[1]
    assert f'value="{token}"' in form.text
    mismatch = await _reset(client, form.text, token, "Fr3sh-start", "Fr3sh-stark")
    assert mismatch.status_code == 400 and "do not match" in mismatch.text
    common = await _reset(client, form.text, token, "password1")
    assert common.status_code == 400 and "too common" in common.text
    done = await _reset(client, form.text, token, "Fr3sh-start")
    assert done.status_code == 303 and done.headers["location"] == "/login"
    await web_login(client, user.email, "Fr3sh-start")

    again = await client.get(link)
    reused = await _reset(client, again.text, token, "An0ther-start")
    assert reused.status_code == 400 and "already been used" in reused.text
    used = (await session.scalars(select(PasswordResetToken))).one()
    assert used.used_at is not None


async def test_a_weak_password_leaves_the_reset_link_usable(
    client: httpx.AsyncClient, make_user: MakeUser, session: AsyncSession
) -> None:
    """The personal-data check runs after the token is claimed; the claim is rolled back."""
    user = await make_user(email="olga.smirnova@example.com", full_name="Olga Smirnova")
    await _post(client, "/forgot-password", "/forgot-password", email=user.email)
    link = _link_in_last_mail(user.email)
    form = await client.get(link)
    refused = await _reset(client, form.text, link.split("=", 1)[1], "olga.smirnova")
    assert refused.status_code == 400
    assert (await session.scalars(select(PasswordResetToken))).one().used_at is None


async def test_forgot_password_answers_the_same_for_unknown_addresses(
    client: httpx.AsyncClient,
) -> None:
    clear_outbox()
    sent = await _post(client, "/forgot-password", "/forgot-password", email="ghost@example.com")
    assert sent.status_code == 200 and 'id="reset-sent"' in sent.text
    assert outbox() == []
    bad = await client.get("/reset-password?token=")
    assert bad.status_code == 400 and "invalid" in bad.text


async def test_settings_change_the_name(
    client: httpx.AsyncClient, make_user: MakeUser, session: AsyncSession
) -> None:
    user = await make_user(email="ivan@example.com", full_name="Ivan")
    await web_login(client, user.email)
    saved = await _post(
        client, "/account/settings", "/account/settings/name", full_name="  Ivan Petrov "
    )
    assert saved.status_code == 303
    page = await client.get("/account/settings")
    assert 'value="Ivan Petrov"' in page.text and "Your name has been saved." in page.text
    stored = await session.scalar(select(User.full_name).where(User.id == user.id))
    assert stored == "Ivan Petrov"


async def test_email_change_waits_for_the_link_mailed_to_the_new_address(
    client: httpx.AsyncClient, make_user: MakeUser, session: AsyncSession
) -> None:
    user = await make_user(email="ivan@example.com")
    await make_user(email="taken@example.com")
    await web_login(client, user.email)

    wrong = await _post(
        client,
        "/account/settings",
        "/account/settings/email",
        new_email="new@example.com",
        password="Wr0ng-password",
    )
    assert wrong.status_code == 400 and "current password is incorrect" in wrong.text
    look_alike = await _post(
        client,
        "/account/settings",
        "/account/settings/email",
        new_email="t\u0430ken@example.com",
        password=DEFAULT_PASSWORD,
    )
    assert look_alike.status_code == 400 and "looks the same" in look_alike.text

    asked = await _post(
        client,
        "/account/settings",
        "/account/settings/email",
        new_email="Ivan.New@Example.com",
        password=DEFAULT_PASSWORD,
    )
    assert asked.status_code == 303
    link = _link_in_last_mail("ivan.new@example.com")
    assert (await session.scalar(select(User.email).where(User.id == user.id))) == user.email

    confirm = await client.get(link)
    assert confirm.status_code == 200 and "ivan.new@example.com" in confirm.text
    done = await client.post(
        "/account/email/confirm",
        data={"csrf_token": csrf_from(confirm.text), "token": link.split("=", 1)[1]},
    )
    assert done.status_code == 303
    session.expire_all()
    assert (await session.scalar(select(User.email).where(User.id == user.id))) == (
        "ivan.new@example.com"
    )
    notice = outbox()[-1]
    assert notice.to == "ivan@example.com" and "ivan.new@example.com" in notice.body
    replay = await client.get(link)
    assert replay.status_code == 400


async def test_password_change_in_settings_ends_the_copied_cookie_and_keeps_this_one(
    app: FastAPI, client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user(email="ivan@example.com")
    await web_login(client, user.email)
    copied = client.cookies[COOKIE]
    common = await _post(
        client,
        "/account/settings",
        "/account/settings/password",
        current_password=DEFAULT_PASSWORD,
        new_password="qwerty123",
        confirm_password="qwerty123",
    )
    assert common.status_code == 400 and "too common" in common.text
    changed = await _post(
        client,
        "/account/settings",
        "/account/settings/password",
        current_password=DEFAULT_PASSWORD,
        new_password="N3w-password",
        confirm_password="N3w-password",
    )
    assert changed.status_code == 303
    assert not await _opens_account(app, copied)
    assert (await client.get("/account/settings")).status_code == 200


async def test_log_out_other_devices(
    app: FastAPI, client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    user = await make_user(email="ivan@example.com")
    await web_login(client, user.email)
    other = client.cookies[COOKIE]
    client.cookies.clear()
    await web_login(client, user.email)
    done = await _post(client, "/account/settings", "/account/settings/logout-others")
    assert done.status_code == 303
    assert not await _opens_account(app, other)
    assert (await client.get("/account/settings")).status_code == 200


ADDRESS = {
    "name": "Anna Petrova",
    "line1": "Nevsky prospekt 1",
    "line2": "",
    "city": "Saint Petersburg",
    "postal_code": "191186",
    "state": "",
    "country": "RU",
    "phone": "+7 812 000-00-00",
}


async def test_addresses_add_edit_default_delete(
    client: httpx.AsyncClient, make_user: MakeUser, session: AsyncSession
) -> None:
    user = await make_user(email="anna@example.com")
    await web_login(client, user.email)
    first = await _post(client, "/account/addresses/new", "/account/addresses", **ADDRESS)
    assert first.status_code == 303
    second = await _post(
        client,
        "/account/addresses/new",
        "/account/addresses",
        **{**ADDRESS, "line1": "Tverskaya 7", "city": "Moscow", "postal_code": "125009"},
    )
    assert second.status_code == 303
    rows = (await session.scalars(select(ShippingAddress).order_by(ShippingAddress.id))).all()
    assert [(r.city, r.is_default) for r in rows] == [
        ("Saint Petersburg", True),
        ("Moscow", False),
    ]
    page = await client.get("/account/addresses")
    assert "Nevsky prospekt 1" in page.text and "Russia" in page.text

    moscow = rows[1].id
    await _post(client, "/account/addresses", f"/account/addresses/{moscow}/default")
    edit = await client.get(f"/account/addresses/{moscow}/edit")
    assert 'value="Tverskaya 7"' in edit.text
    await client.post(
        f"/account/addresses/{moscow}",
        data={"csrf_token": csrf_from(edit.text), **ADDRESS, "line1": "Tverskaya 9"},
    )
    await _post(client, "/account/addresses", f"/account/addresses/{moscow}/delete")
    session.expire_all()
    rows = (await session.scalars(select(ShippingAddress))).all()
    assert [(r.city, r.is_default) for r in rows] == [("Saint Petersburg", True)]


async def test_address_form_errors_and_other_peoples_addresses(
    client: httpx.AsyncClient, make_user: MakeUser, session: AsyncSession
) -> None:
    owner = await make_user(email="owner@example.com")
    await web_login(client, owner.email)
    await _post(client, "/account/addresses/new", "/account/addresses", **ADDRESS)
    theirs = await session.scalar(select(ShippingAddress.id))
    bad = await _post(
        client,
        "/account/addresses/new",
        "/account/addresses",
        **{**ADDRESS, "line1": " ", "country": "AQ", "phone": "call me"},
    )
    assert bad.status_code == 400
    assert bad.text.count('class="field-error"') == 3
    assert "We do not ship to this country." in bad.text

    client.cookies.clear()
    stranger = await make_user(email="stranger@example.com")
    await web_login(client, stranger.email)
    assert (await client.get(f"/account/addresses/{theirs}/edit")).status_code == 404
    deleted = await _post(client, "/account/addresses", f"/account/addresses/{theirs}/delete")
    assert deleted.status_code == 404
    assert await session.scalar(select(ShippingAddress.id)) == theirs


async def test_account_pages_speak_russian(client: httpx.AsyncClient, make_user: MakeUser) -> None:
    user = await make_user(email="anna@example.com")
    client.cookies.set("lang", "ru")
    forgot = await client.get("/forgot-password")
    assert "Забыли пароль?" in forgot.text
    await web_login(client, user.email)
    settings = await client.get("/account/settings")
    assert "Настройки аккаунта" in settings.text and 'lang="ru"' in settings.text
    form = await client.get("/account/addresses/new")
    assert "Почтовый индекс" in form.text and "Россия" in form.text


async def test_wrong_passwords_on_the_login_page_do_not_lock_the_owner_out(
    app: FastAPI, make_user: MakeUser
) -> None:
    owner = await make_user(email="owner@example.com")

    def browser_at(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 50000))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    async with browser_at("10.9.0.1") as attacker, browser_at("10.9.0.2") as home:
        for _ in range(5):
            wrong = await _post(
                attacker, "/login", "/login", email=owner.email, password="Wr0ng-password"
            )
            assert wrong.status_code == 400
        locked = await _post(attacker, "/login", "/login", email=owner.email, password="x")
        assert locked.status_code == 429
        await web_login(home, owner.email)
        assert (await home.get("/account/settings")).status_code == 200
