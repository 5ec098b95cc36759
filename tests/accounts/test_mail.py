from __future__ import annotations

from collections.abc import Iterator

import pytest
from structlog.testing import CapturingLogger

from vitrina.config import Settings, get_settings, set_settings
from vitrina.mail import MailError, backends, clear_outbox, outbox, send_mail


@pytest.fixture
def mail_settings(settings: Settings) -> Iterator[dict[str, object]]:
    """Change mail settings for one test (`mail_settings.update(...)` then send)."""
    previous = get_settings()
    overrides: dict[str, object] = {}

    class Updater(dict[str, object]):
        def update(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
            super().update(*args, **kwargs)
            set_settings(settings.model_copy(update=dict(self)))

    updater = Updater(overrides)
    yield updater
    set_settings(previous)


async def test_memory_backend_keeps_messages_until_cleared(settings: Settings) -> None:
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
    mail_settings: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    mail_settings.update(mail_backend="console")
    captured = CapturingLogger()
    monkeypatch.setattr(backends, "log", captured)
    await send_mail("b@example.com", "Your order", "Thanks for your order #12.")
    info = [call for call in captured.calls if call.method_name == "info"]
    assert len(info) == 1
    assert info[0].args == ("mail",)
    assert info[0].kwargs["to"] == "b@example.com"
    assert info[0].kwargs["body"] == "Thanks for your order #12."
    assert outbox() == []


async def test_smtp_failure_is_a_mail_error(mail_settings: dict[str, object]) -> None:
    mail_settings.update(mail_backend="smtp", smtp_host="127.0.0.1", smtp_port=9)
    with pytest.raises(MailError, match=r"c@example\.com"):
        await send_mail("c@example.com", "Subject", "Body")
