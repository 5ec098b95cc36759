"""The messages the accounts feature sends. They never contain a password."""

from __future__ import annotations

from urllib.parse import urlencode

import structlog

from vitrina.config import get_settings
from vitrina.mail import MailError, send_mail

log = structlog.get_logger(__name__)


def reset_link(token: str) -> str:
    return f"{get_settings().public_base_url}/reset-password?{urlencode({'token': token})}"


def email_confirmation_link(token: str) -> str:
    base = get_settings().public_base_url
    return f"{base}/account/email/confirm?{urlencode({'token': token})}"


async def _send(to: str, subject: str, body: str, event: str) -> None:
    """Mail after the response: a failure is only logged."""
    try:
        await send_mail(to, subject, body)
    except MailError as exc:
        log.error(event, error=str(exc))


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
    subject = f"Reset your {settings.store_name} password"
    await _send(email, subject, body, "password_reset_mail_failed")


async def send_email_change_confirmation(new_email: str, token: str) -> None:
    """Mail the confirmation link to the NEW address: opening it applies the change."""
    settings = get_settings()
    body = (
        f"Someone asked to use this address for a {settings.store_name} account.\n\n"
        f"Open this link within {settings.password_reset_minutes} minutes to confirm it:\n"
        f"{email_confirmation_link(token)}\n\n"
        "If you did not ask for it, ignore this message: nothing changes.\n"
    )
    subject = f"Confirm your new {settings.store_name} email address"
    await _send(new_email, subject, body, "email_change_mail_failed")


async def send_email_changed_notice(old_email: str, new_email: str) -> None:
    """Tell the previous address that the account now uses another one."""
    settings = get_settings()
    body = (
        f"The email address of your {settings.store_name} account was changed to "
        f"{new_email}.\n\nIf you did not do this, reply to this message at once.\n"
    )
    subject = f"Your {settings.store_name} email address was changed"
    await _send(old_email, subject, body, "email_changed_notice_failed")
