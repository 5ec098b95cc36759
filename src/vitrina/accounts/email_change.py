"""Changing the account's email: confirmed by a link mailed to the new address.

Asking needs the current password (a borrowed session cannot redirect the account). The new
address is applied only when its link is opened, so nobody can claim an address they do not
read; the old address is then told. A link works once, for `password_reset_minutes`, and a
newer request replaces an older one. Whether the address is free is checked when asking and
again when confirming (someone may have registered it in between).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts import security, service, tokens
from vitrina.accounts.email_address import normalize_email, skeleton
from vitrina.accounts.models import EmailChangeRequest, User
from vitrina.config import get_settings
from vitrina.errors import BadRequest, Conflict
from vitrina.kit.clock import utcnow

INVALID_LINK = "This confirmation link is invalid or has already been used."
EXPIRED_LINK = "This confirmation link has expired; please ask for a new one."


async def request_email_change(
    session: AsyncSession, user: User, new_email: str, password: str
) -> tuple[str, str]:
    """Check the password and the new address; returns (normalized address, raw token)."""
    if not await security.verify_password(password, user.password_hash):
        raise BadRequest("The current password is incorrect.")
    new_email = normalize_email(new_email)
    if new_email == user.email:
        raise service.field_error("new_email", "This is already your email address.")
    if (taken := await service.email_taken(session, new_email, other_than=user.id)) is not None:
        raise Conflict(taken)
    await tokens.retire_open(session, EmailChangeRequest, user.id)
    now = utcnow()
    raw, digest = security.new_opaque_token()
    session.add(
        EmailChangeRequest(
            user_id=user.id,
            new_email=new_email,
            token_hash=digest,
            created_at=now,
            expires_at=now + timedelta(minutes=get_settings().password_reset_minutes),
        )
    )
    await session.flush()
    return new_email, raw


async def pending_email(session: AsyncSession, raw: str) -> EmailChangeRequest:
    """The open request behind a link (for the confirmation page); 400 if none."""
    request = await session.scalar(
        select(EmailChangeRequest).where(
            EmailChangeRequest.token_hash == security.hash_opaque_token(raw)
        )
    )
    if request is None or request.used_at is not None:
        raise BadRequest(INVALID_LINK)
    if request.expires_at <= utcnow():
        raise BadRequest(EXPIRED_LINK)
    return request


async def confirm_email_change(session: AsyncSession, raw: str) -> tuple[User, str]:
    """Apply the new address; returns the user and their previous address."""
    request = await pending_email(session, raw)
    claimed = await tokens.claim_once(session, EmailChangeRequest, request.id)
    user = await session.get(User, request.user_id)
    if not claimed or user is None or not user.is_active:
        raise BadRequest(INVALID_LINK)
    taken = await service.email_taken(session, request.new_email, other_than=user.id)
    if taken is not None:
        raise Conflict(taken)
    previous = user.email
    user.email, user.email_skeleton = request.new_email, skeleton(request.new_email)
    await session.flush()
    return user, previous
