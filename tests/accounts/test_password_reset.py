from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accounts.conftest import Login, SmtpInbox
from vitrina.accounts.models import PasswordResetToken, User
from vitrina.accounts.security import hash_opaque_token
from vitrina.kit.clock import utcnow
from vitrina.mail import outbox

RESET = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirm"
LINK = re.compile(r"http://testserver/reset-password\?token=([\w-]+)")


def _token_from(body: str) -> str:
    match = LINK.search(body)
    assert match, body
    assert f"reset code: {match.group(1)}" in body
    return match.group(1)


async def _request_reset(client: httpx.AsyncClient, email: str) -> str:
    response = await client.post(RESET, json={"email": email})
    assert response.status_code == 202
    (message,) = outbox()
    assert message.to == "customer@example.com"
    assert message.subject == "Reset your Vitrina password"
    return _token_from(message.body)


async def test_reset_mails_a_link_and_sets_the_new_password(
    client: httpx.AsyncClient, login: Login, customer: User, session: AsyncSession
) -> None:
    old = (await login("customer@example.com")).json()
    token = await _request_reset(client, "Customer@Example.com")

    stored = (await session.scalars(select(PasswordResetToken))).one()
    assert stored.token_hash == hash_opaque_token(token)
    assert stored.expires_at - stored.created_at == timedelta(minutes=60)

    response = await client.post(CONFIRM, json={"token": token, "new_password": "Fr3sh-start"})
    assert response.status_code == 204, response.text
    assert (await login("customer@example.com", "Fr3sh-start")).status_code == 200
    assert (await login("customer@example.com")).status_code == 401
    refresh = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]}
    )
    assert refresh.status_code == 401, "a reset ends every existing session"


async def test_reset_token_works_once(client: httpx.AsyncClient, customer: User) -> None:
    token = await _request_reset(client, "customer@example.com")
    first = await client.post(CONFIRM, json={"token": token, "new_password": "Fr3sh-start"})
    assert first.status_code == 204
    again = await client.post(CONFIRM, json={"token": token, "new_password": "An0ther-one"})
    assert again.status_code == 400
    assert again.json() == {"detail": "This password reset link has already been used."}


async def test_reset_token_expires(
    client: httpx.AsyncClient, customer: User, session: AsyncSession
) -> None:
    token = await _request_reset(client, "customer@example.com")
    await session.execute(
        update(PasswordResetToken).values(expires_at=utcnow() - timedelta(seconds=1))
    )
    await session.commit()
    response = await client.post(CONFIRM, json={"token": token, "new_password": "Fr3sh-start"})
    assert response.status_code == 400
    assert "expired" in response.json()["detail"]


async def test_a_newer_request_replaces_the_older_link(
    client: httpx.AsyncClient, customer: User
) -> None:
    older = await _request_reset(client, "customer@example.com")
    outbox().clear()
    newer = await _request_reset(client, "customer@example.com")
    refused = await client.post(CONFIRM, json={"token": older, "new_password": "Fr3sh-start"})
    assert refused.status_code == 400
    accepted = await client.post(CONFIRM, json={"token": newer, "new_password": "Fr3sh-start"})
    assert accepted.status_code == 204


async def test_unknown_email_gets_the_same_answer_and_no_mail(
    client: httpx.AsyncClient, customer: User
) -> None:
    known = await client.post(RESET, json={"email": "customer@example.com"})
    outbox().clear()
    unknown = await client.post(RESET, json={"email": "nobody@example.com"})
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    assert outbox() == []


async def test_confirm_validates_its_input(client: httpx.AsyncClient, customer: User) -> None:
    bogus = await client.post(CONFIRM, json={"token": "bogus", "new_password": "Fr3sh-start"})
    assert bogus.status_code == 400
    assert bogus.json() == {"detail": "This password reset link is invalid."}
    token = await _request_reset(client, "customer@example.com")
    weak = await client.post(CONFIRM, json={"token": token, "new_password": "abcdefgh"})
    assert weak.status_code == 422
    as_email = await client.post(
        CONFIRM, json={"token": token, "new_password": "customer@example.com"}
    )
    assert as_email.status_code == 422
    assert as_email.json()["detail"][0]["loc"] == ["body", "new_password"]
    still_good = await client.post(CONFIRM, json={"token": token, "new_password": "Fr3sh-start"})
    assert still_good.status_code == 204, "a refused password must not use up the token"
    assert (await client.post(RESET, json={"email": "nope"})).status_code == 422


async def test_reset_message_arrives_over_real_smtp(
    client: httpx.AsyncClient, customer: User, smtp_inbox: SmtpInbox
) -> None:
    response = await client.post(RESET, json={"email": "customer@example.com"})
    assert response.status_code == 202
    ((recipients, message),) = smtp_inbox.messages
    assert recipients == ["customer@example.com"]
    assert message["To"] == "customer@example.com"
    assert message["From"] == "Vitrina <shop@example.com>"
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    token = _token_from(body.decode())
    confirm = await client.post(CONFIRM, json={"token": token, "new_password": "Fr3sh-start"})
    assert confirm.status_code == 204
