"""The three mail backends and the function that picks one from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib
import structlog

from vitrina.config import Settings, get_settings

log = structlog.get_logger(__name__)

SMTP_TIMEOUT_SECONDS = 10.0
CONSOLE_NOTE = (
    "MAIL_BACKEND=console is for development: this mail is printed here, not sent. "
    "Set MAIL_BACKEND=smtp (and SMTP_HOST) to deliver mail."
)


class MailError(RuntimeError):
    """The message could not be handed to the mail server."""


@dataclass(frozen=True)
class MailMessage:
    sender: str
    to: str
    subject: str
    body: str
    html: str | None = None


_outbox: list[MailMessage] = []


def outbox() -> list[MailMessage]:
    """Messages sent through the memory backend, oldest first."""
    return _outbox


def clear_outbox() -> None:
    _outbox.clear()


def _as_email(message: MailMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = message.sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=message.sender.rpartition("@")[2].strip("> ") or None)
    email.set_content(message.body)
    if message.html is not None:
        email.add_alternative(message.html, subtype="html")
    return email


async def _send_smtp(message: MailMessage, settings: Settings) -> None:
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        await aiosmtplib.send(
            _as_email(message),
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=password,
            start_tls=settings.smtp_starttls,
            timeout=SMTP_TIMEOUT_SECONDS,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        log.error("mail_failed", to=message.to, subject=message.subject, error=str(exc))
        raise MailError(f"Could not send mail to {message.to}: {exc}") from exc


async def send_mail(to: str, subject: str, body: str, html: str | None = None) -> None:
    """Send one message with the configured backend. Raises MailError if SMTP fails.

    Never put a password in a message: the console backend logs the body.
    """
    settings = get_settings()
    message = MailMessage(settings.mail_from, to, subject, body, html)
    if settings.mail_backend == "memory":
        _outbox.append(message)
    elif settings.mail_backend == "smtp":
        await _send_smtp(message, settings)
    else:
        log.info(
            "mail", note=CONSOLE_NOTE, to=to, subject=subject, body=body, has_html=html is not None
        )
    log.debug("mail_sent", backend=settings.mail_backend, to=to, subject=subject)
