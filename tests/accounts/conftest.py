from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from fixtures.accounts import DEFAULT_PASSWORD
from fixtures.servers import free_port
from vitrina.config import Settings, get_settings, set_settings

Login = Callable[..., Awaitable[httpx.Response]]


@pytest.fixture
def login(client: httpx.AsyncClient) -> Login:
    """`await login(email, password=DEFAULT_PASSWORD)` -> the /auth/token response."""

    async def post(email: str, password: str = DEFAULT_PASSWORD, **kwargs: Any) -> httpx.Response:
        return await client.post(
            "/api/v1/auth/token", data={"username": email, "password": password}, **kwargs
        )

    return post


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class SmtpInbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_inbox(settings: Settings) -> Iterator[SmtpInbox]:
    """A real SMTP server on localhost; the store's settings point the smtp backend at it."""
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    previous = get_settings()
    set_settings(
        settings.model_copy(
            update={"mail_backend": "smtp", "smtp_host": "127.0.0.1", "smtp_port": controller.port}
        )
    )
    try:
        yield inbox
    finally:
        set_settings(previous)
        controller.stop()
