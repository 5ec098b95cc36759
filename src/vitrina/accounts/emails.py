"""The messages the accounts feature sends, in the reader's language (`mail.language`).
They never contain a password."""

from __future__ import annotations

from urllib.parse import urlencode

import structlog

from vitrina.config import get_settings
from vitrina.mail import MailError, send_mail
from vitrina.mail.language import N_, MailText, mail_language

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


async def send_password_reset(email: str, token: str, language: str | None = None) -> None:
    """Mail the reset link; runs after the response, so a mail failure is only logged."""
    settings = get_settings()
    text = MailText(mail_language(language))
    store, minutes = settings.store_name, settings.password_reset_minutes
    body = "\n\n".join(
        [
            text(
                N_("Someone asked to reset the password of your %(store)s account."),
                store=store,
            ),
            text(
                N_("Open this link within %(minutes)s minutes to choose a new password:"),
                minutes=minutes,
            )
            + f"\n{reset_link(token)}",
            text(N_("Or enter this reset code: %(code)s"), code=token),
            text(
                N_(
                    "The link works once. If you did not ask for it, ignore this message: "
                    "your password stays as it is."
                )
            ),
        ]
    )
    subject = text(N_("Reset your %(store)s password"), store=store)
    await _send(email, subject, body + "\n", "password_reset_mail_failed")


async def send_email_change_confirmation(
    new_email: str, token: str, language: str | None = None
) -> None:
    """Mail the confirmation link to the NEW address: opening it applies the change."""
    settings = get_settings()
    text = MailText(mail_language(language))
    store, minutes = settings.store_name, settings.password_reset_minutes
    body = "\n\n".join(
        [
            text(
                N_("Someone asked to use this address for a %(store)s account."),
                store=store,
            ),
            text(N_("Open this link within %(minutes)s minutes to confirm it:"), minutes=minutes)
            + f"\n{email_confirmation_link(token)}",
            text(N_("If you did not ask for it, ignore this message: nothing changes.")),
        ]
    )
    subject = text(N_("Confirm your new %(store)s email address"), store=store)
    await _send(new_email, subject, body + "\n", "email_change_mail_failed")


async def send_email_changed_notice(
    old_email: str, new_email: str, language: str | None = None
) -> None:
    """Tell the previous address that the account now uses another one."""
    store = get_settings().store_name
    text = MailText(mail_language(language))
    body = "\n\n".join(
        [
            text(
                N_("The email address of your %(store)s account was changed to %(email)s."),
                store=store,
                email=new_email,
            ),
            text(N_("If you did not do this, reply to this message at once.")),
        ]
    )
    subject = text(N_("Your %(store)s email address was changed"), store=store)
    await _send(old_email, subject, body + "\n", "email_changed_notice_failed")
