"""The order confirmation goes out once, through real SMTP, whatever replays."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email.message import Message

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from orders.conftest import ArrangeCheckout, Emulator, Listen
from vitrina.accounts.models import User
from vitrina.config import Settings
from vitrina.orders.notifications import wait_for_outgoing_mail


class Collector:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Collector]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setattr(settings, "mail_backend", "smtp")
    monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(settings, "smtp_port", port)
    try:
        yield collector
    finally:
        controller.stop()


async def test_one_confirmation_over_smtp_despite_replays(
    client: httpx.AsyncClient,
    customer: User,
    auth_headers: Callable[[User], dict[str, str]],
    make_product,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
    listen: Listen,
    smtp_server: Collector,
) -> None:
    product = await make_product(name="Teapot", price=3500, stock=3)
    arranged = await arrange_checkout(customer, [(product, 1)], shipping=0)
    await emulator.complete(arranged.session_id, "paid")
    headers = auth_headers(customer)
    first = await client.get(
        "/api/v1/checkout/success", params=arranged.success_params, headers=headers
    )
    assert first.status_code == 200
    await listen()
    completed = await emulator.event("checkout.session.completed", arranged.session_id)
    await emulator.deliver(completed.id, times=3, concurrent=True)
    again = await client.get(
        "/api/v1/checkout/success", params=arranged.success_params, headers=headers
    )
    assert again.json()["id"] == first.json()["id"]
    await wait_for_outgoing_mail()

    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == customer.email
    assert f"order #{first.json()['id']} confirmed" in message["Subject"]
    body = message.get_payload(decode=True)
    if body is None:  # multipart: the text part
        body = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(
            decode=True
        )
    assert isinstance(body, bytes)
    text = body.decode()
    assert "1 x Teapot at $35.00 = $35.00" in text and "Order total: $35.00" in text
