"""A guest's paid checkout gets an account: the one with the email Stripe collected, or a
new one, whose owner gets a mail to choose a password (the password-reset token, so the
link works once and expires like any reset link).

The order then shows under that account. Nobody is logged in by it: only whoever reads that
mailbox can set the password, so an email typed by a guest never opens someone's account.
"""

from __future__ import annotations

import secrets

import stripe
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts import service as accounts
from vitrina.accounts import tokens
from vitrina.accounts.emails import reset_link
from vitrina.accounts.models import User
from vitrina.config import get_settings
from vitrina.errors import Conflict
from vitrina.kit.after_commit import after_commit
from vitrina.mail import MailError, send_mail
from vitrina.mail.language import N_, MailText, mail_language

log = structlog.get_logger(__name__)


class GuestWithoutEmail(RuntimeError):
    """Stripe completed a guest's session without an email (it always asks for one)."""


async def customer_for_guest_checkout(
    session: AsyncSession, remote: stripe.checkout.Session
) -> User:
    """The account for the email the guest gave Stripe, made (with a password mail) if new."""
    details = remote.customer_details
    email = details.email if details is not None else None
    if not email:
        raise GuestWithoutEmail(f"Checkout Session {remote.id} is complete without an email.")
    existing = await accounts.get_user_by_email(session, email)
    if existing is not None:
        return existing
    try:
        async with session.begin_nested():
            user = await accounts.create_user(
                session,
                email=email,
                # Nobody knows it: the account opens once its owner sets one from the mail.
                password=secrets.token_urlsafe(32) + "-0a",
                full_name=(details.name if details is not None else None) or "",
            )
    except Conflict:  # a concurrent checkout with the same email made it first
        made = await accounts.get_user_by_email(session, email)
        assert made is not None
        return made
    token = await tokens.create_password_reset(session, user)
    address, language = user.email, remote.locale  # the language the guest bought in
    after_commit(session, lambda: send_choose_password(address, token, language))
    log.info("guest_account_created", user_id=user.id, stripe_session_id=remote.id)
    return user


async def send_choose_password(email: str, token: str, language: str | None = None) -> None:
    settings = get_settings()
    text = MailText(mail_language(language))
    store = settings.store_name
    body = "\n\n".join(
        [
            text(N_("Thank you for your order at %(store)s."), store=store),
            text(
                N_(
                    "We have made an account for %(email)s, so you can follow your order and "
                    "pay faster next time. Choose its password within %(minutes)s minutes:"
                ),
                email=email,
                minutes=settings.password_reset_minutes,
            )
            + f"\n{reset_link(token)}",
            text(
                N_(
                    "The link works once. Later, “Forgot password” on the login page sends a "
                    "new one."
                )
            ),
        ]
    )
    subject = text(N_("Choose a password for your %(store)s account"), store=store)
    try:
        await send_mail(email, subject, body + "\n")
    except MailError as exc:
        log.error("choose_password_mail_failed", error=str(exc))
