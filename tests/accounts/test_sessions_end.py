"""Sessions end when the user says so: a copied cookie or token stops working on the server.

Each test keeps a copy of what an attacker could have taken (the `vitrina_session` cookie, an
access token, a refresh token) and replays it after the user logged out, changed or reset the
password, or logged out everywhere.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.conftest import Login, bearer
from fixtures.accounts import DEFAULT_PASSWORD
from storefront.helpers import page_token, web_login
from vitrina.accounts import sessions
from vitrina.accounts.models import EndedSession, Role, User
from vitrina.accounts.security import create_access_token
from vitrina.kit.clock import utcnow
from vitrina.reads import recorded_statements

ME = "/api/v1/users/me"
BASKET_ITEM = "/api/v1/basket/items/1"
REFRESH = "/api/v1/auth/refresh"
COOKIE = "vitrina_session"


def _browser(app: FastAPI, cookie: str | None = None) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    if cookie is not None:
        client.cookies.set(COOKIE, cookie)
    return client


async def _opens_account(app: FastAPI, cookie: str) -> bool:
    async with _browser(app, cookie) as thief:
        response = await thief.get("/account")
    assert response.status_code in (200, 303), response.text[:300]
    return response.status_code == 200


async def _logged_in_cookie(app: FastAPI, email: str) -> tuple[httpx.AsyncClient, str]:
    browser = _browser(app)
    await web_login(browser, email)
    cookie = browser.cookies[COOKIE]
    assert await _opens_account(app, cookie)
    return browser, cookie


async def _all_refused(
    app: FastAPI, client: httpx.AsyncClient, cookie: str, tokens: dict[str, str]
) -> None:
    """The copied cookie, access token and refresh token all stopped working."""
    assert not await _opens_account(app, cookie)
    assert (await client.get(ME, headers=bearer(tokens["access_token"]))).status_code == 401
    change = await client.put(
        BASKET_ITEM, json={"quantity": 1}, headers=bearer(tokens["access_token"])
    )
    assert change.status_code == 401  # the basket reads the account as a plain row
    refresh = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401


async def test_logout_ends_the_api_login_its_refresh_and_access_tokens(
    client: httpx.AsyncClient, login: Login, customer: User
) -> None:
    tokens = (await login(customer.email)).json()
    other = (await login(customer.email)).json()  # the same user on another device
    assert (await client.get(ME, headers=bearer(tokens["access_token"]))).status_code == 200

    response = await client.post("/api/v1/auth/logout", json=tokens)
    assert response.status_code == 204

    assert (await client.get(ME, headers=bearer(tokens["access_token"]))).status_code == 401
    ended = await client.put(
        BASKET_ITEM, json={"quantity": 1}, headers=bearer(tokens["access_token"])
    )
    assert ended.status_code == 401
    refresh = await client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401
    assert (await client.get(ME, headers=bearer(other["access_token"]))).status_code == 200
    basket = await client.get("/api/v1/basket", headers=bearer(other["access_token"]))
    assert basket.status_code == 200
    rotated = await client.post(REFRESH, json={"refresh_token": other["refresh_token"]})
    assert rotated.status_code == 200


async def test_access_tokens_from_a_rotated_refresh_end_with_the_login(
    client: httpx.AsyncClient, login: Login, customer: User
) -> None:
    first = (await login(customer.email)).json()
    second = (await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})).json()
    await client.post("/api/v1/auth/logout", json={"refresh_token": second["refresh_token"]})
    for access in (first["access_token"], second["access_token"]):
        assert (await client.get(ME, headers=bearer(access))).status_code == 401


async def test_logout_in_the_browser_makes_a_copied_cookie_useless(
    app: FastAPI, customer: User
) -> None:
    browser, cookie = await _logged_in_cookie(app, customer.email)
    response = await browser.post("/logout", data={"csrf_token": await page_token(browser, "/")})
    assert response.status_code == 303
    assert (await browser.get("/account")).status_code == 303
    await browser.aclose()
    assert not await _opens_account(app, cookie)


async def test_logging_out_one_browser_keeps_the_other(app: FastAPI, customer: User) -> None:
    laptop, laptop_cookie = await _logged_in_cookie(app, customer.email)
    phone, phone_cookie = await _logged_in_cookie(app, customer.email)
    await laptop.post("/logout", data={"csrf_token": await page_token(laptop, "/")})
    await laptop.aclose()
    await phone.aclose()
    assert not await _opens_account(app, laptop_cookie)
    assert await _opens_account(app, phone_cookie)


async def test_password_change_ends_every_cookie_and_token(
    app: FastAPI, client: httpx.AsyncClient, login: Login, customer: User
) -> None:
    browser, cookie = await _logged_in_cookie(app, customer.email)
    await browser.aclose()
    old = (await login(customer.email)).json()
    response = await client.post(
        "/api/v1/users/me/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": "N3w-password"},
        headers=bearer(old["access_token"]),
    )
    assert response.status_code == 200
    await _all_refused(app, client, cookie, old)
    fresh = response.json()["access_token"]
    assert (await client.get(ME, headers=bearer(fresh))).status_code == 200


async def test_logout_everywhere_ends_browsers_and_api_logins(
    app: FastAPI, client: httpx.AsyncClient, login: Login, customer: User
) -> None:
    browser, cookie = await _logged_in_cookie(app, customer.email)
    await browser.aclose()
    tokens = (await login(customer.email)).json()
    response = await client.post(
        "/api/v1/auth/logout-everywhere", headers=bearer(tokens["access_token"])
    )
    assert response.status_code == 204
    await _all_refused(app, client, cookie, tokens)
    assert (await login(customer.email)).status_code == 200, "the password still works"


async def test_admin_logout_and_password_change_end_the_admin_cookie(
    app: FastAPI, client: httpx.AsyncClient, make_user, session: AsyncSession
) -> None:
    staff = await make_user(email="boss@example.com", role=Role.ADMIN)
    async with _browser(app) as browser:
        response = await browser.post(
            "/admin/login", data={"username": staff.email, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code in (302, 303)
        copied = browser.cookies[COOKIE]
        assert (await browser.get("/admin/")).status_code == 200
        await browser.get("/admin/logout")
    async with _browser(app, copied) as thief:
        response = await thief.get("/admin/")
        assert response.status_code in (302, 303), "the copied admin cookie is refused"

    async with _browser(app) as browser:
        await browser.post(
            "/admin/login", data={"username": staff.email, "password": DEFAULT_PASSWORD}
        )
        copied = browser.cookies[COOKIE]
    await session.execute(
        update(User).where(User.id == staff.id).values(session_version=User.session_version + 1)
    )
    await session.commit()
    async with _browser(app, copied) as thief:
        assert (await thief.get("/admin/")).status_code in (302, 303)


async def test_ended_sessions_are_purged_once_nothing_can_name_them(
    session: AsyncSession, customer: User
) -> None:
    await sessions.end_session(session, customer.id, "old", timedelta(seconds=1))
    await session.execute(update(EndedSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    await sessions.end_session(session, customer.id, "new", timedelta(days=14))
    await session.commit()
    ids = (await session.scalars(select(EndedSession.id))).all()
    assert ids == ["new"]
    assert await session.scalar(select(func.count()).select_from(EndedSession)) == 1


async def test_the_session_check_is_the_user_query_and_public_reads_run_none(
    app: FastAPI, client: httpx.AsyncClient, customer: User
) -> None:
    headers = bearer(create_access_token(customer))
    with recorded_statements() as seen:
        assert (await client.get(ME, headers=headers)).status_code == 200
    reads = [sql for sql, _ in seen if "users" in sql or "ended_sessions" in sql]
    assert len(reads) == 1 and "ended_sessions" in reads[0], seen

    with recorded_statements() as seen:
        assert (await client.get("/api/v1/products")).status_code == 200
    assert not [sql for sql, _ in seen if "users" in sql or "ended_sessions" in sql]
