from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from structlog.testing import CapturingLogger

from accounts.conftest import SmtpInbox
from vitrina.config import Settings, get_settings, set_settings
from vitrina.mail import MailError, backends, clear_outbox, outbox, send_mail

UseMail = Callable[..., None]


@pytest.fixture
def use_mail(app: FastAPI, settings: Settings) -> Iterator[UseMail]:
    """`use_mail(mail_backend="smtp", ...)`: the settings with these changes, for one test."""
    previous = get_settings()

    def use(**changes: object) -> None:
        set_settings(settings.model_copy(update=changes))

    yield use
    set_settings(previous)


async def test_memory_backend_keeps_messages_until_cleared(
    app: FastAPI, settings: Settings
) -> None:
    await send_mail("a@example.com", "Hello", "Body", html="<p>Body</p>")
    (message,) = outbox()
    assert (message.to, message.subject, message.body, message.html) == (
        "a@example.com",
        "Hello",
        "Body",
        "<p>Body</p>",
    )
    assert message.sender == settings.mail_from
    clear_outbox()
    assert outbox() == []


async def test_console_backend_logs_the_message(
    use_mail: UseMail, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_mail(mail_backend="console")
    captured = CapturingLogger()
    monkeypatch.setattr(backends, "log", captured)
    await send_mail("b@example.com", "Your order", "Thanks for your order #12.")
    info = [call for call in captured.calls if call.method_name == "info"]
    assert len(info) == 1
    assert info[0].args == ("mail",)
    assert info[0].kwargs["to"] == "b@example.com"
    assert info[0].kwargs["body"] == "Thanks for your order #12."
    assert outbox() == []


async def test_smtp_failure_is_a_mail_error(use_mail: UseMail) -> None:
    use_mail(mail_backend="smtp", smtp_host="127.0.0.1", smtp_port=9)
    with pytest.raises(MailError, match=r"c@example\.com"):
        await send_mail("c@example.com", "Subject", "Body")


async def test_smtp_backend_sends_text_and_html_alternatives(smtp_inbox: SmtpInbox) -> None:
    await send_mail("d@example.com", "Order #7", "Plain body", html="<p>Rich body</p>")
    ((recipients, message),) = smtp_inbox.messages
    assert recipients == ["d@example.com"]
    assert message["Subject"] == "Order #7"
    assert message.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_payload(decode=True) for part in message.walk()}
    assert parts["text/plain"].splitlines() == [b"Plain body"]
    assert parts["text/html"].splitlines() == [b"<p>Rich body</p>"]
