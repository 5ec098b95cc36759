"""The messages the accounts feature sends. They never contain a password."""

from __future__ import annotations

from urllib.parse import urlencode

import structlog

from vitrina.config import get_settings
from vitrina.mail import MailError, send_mail

log = structlog.get_logger(__name__)


def reset_link(token: str) -> str:
    return f"{get_settings().public_base_url}/reset-password?{urlencode({'token': token})}"


async def send_password_reset(email: str, token: str) -> None:
    """Mail the reset link; runs after the response, so a mail failure is only logged."""
    settings = get_settings()
    body = (
        f"Someone asked to reset the password of your {settings.store_name} account.\n\n"
        f"Open this link within {settings.password_reset_minutes} minutes to choose a new "
        f"password:\n{reset_link(token)}\n\n"
        f"Or enter this reset code: {token}\n\n"
        "The link works once. If you did not ask for it, ignore this message: "
        "your password stays as it is.\n"
    )
    try:
        await send_mail(email, f"Reset your {settings.store_name} password", body)
    except MailError as exc:
        log.error("password_reset_mail_failed", error=str(exc))
