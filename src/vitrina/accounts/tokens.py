"""Rotating refresh tokens (opaque, stored as sha256, grouped in families) and reset tokens.

A refresh token is good once: refreshing marks it used and issues its successor in the same
family. Presenting a used token again means it leaked, so the whole family is revoked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts import security, sessions
from vitrina.accounts.models import EmailChangeRequest, PasswordResetToken, RefreshToken, User
from vitrina.config import get_settings
from vitrina.errors import BadRequest, Unauthorized
from vitrina.kit.clock import utcnow

log = structlog.get_logger(__name__)

INVALID_REFRESH = "The refresh token is invalid or has expired."


class RefreshTokenReused(Unauthorized):
    """A rotated refresh token was presented again; its family has been revoked.

    The revocation must be committed, so callers answer with this error instead of raising it.
    """

    def __init__(self) -> None:
        super().__init__("This refresh token has already been used; please log in again.")


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105


OneTime = type[RefreshToken] | type[PasswordResetToken] | type[EmailChangeRequest]


async def claim_once(session: AsyncSession, model: OneTime, row_id: int) -> bool:
    """Mark a one-time token used; False if another request used it first."""
    claimed: CursorResult[tuple[()]] = await session.execute(  # type: ignore[assignment]
        update(model)
        .where(model.id == row_id, model.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


async def retire_open(session: AsyncSession, model: OneTime, user_id: int) -> None:
    """A newer link replaces the older ones: the user's unused tokens stop working."""
    await session.execute(
        update(model)
        .where(model.user_id == user_id, model.used_at.is_(None))
        .values(used_at=utcnow())
    )


async def _new_refresh_token(session: AsyncSession, user_id: int, family_id: str) -> str:
    raw, digest = security.new_opaque_token()
    now = utcnow()
    session.add(
        RefreshToken(
            user_id=user_id,
            family_id=family_id,
            token_hash=digest,
            created_at=now,
            expires_at=now + timedelta(days=get_settings().refresh_token_days),
        )
    )
    await session.flush()
    return raw


def _access_pair(user: User, refresh_token: str, family_id: str) -> TokenPair:
    return TokenPair(
        access_token=security.create_access_token(user, session_id=family_id),
        refresh_token=refresh_token,
        expires_in=get_settings().access_token_minutes * 60,
    )


async def issue_tokens(session: AsyncSession, user: User) -> TokenPair:
    """A login: an access token and the first refresh token of a new family (the family's id
    is the login's session id, carried by every access token it issues)."""
    family_id = str(uuid.uuid4())
    refresh = await _new_refresh_token(session, user.id, family_id)
    return _access_pair(user, refresh, family_id)


async def _find_refresh(session: AsyncSession, raw: str) -> RefreshToken | None:
    result = await session.execute(
        select(RefreshToken).where(RefreshToken.token_hash == security.hash_opaque_token(raw))
    )
    return result.scalar_one_or_none()


async def revoke_family(session: AsyncSession, family_id: str) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def rotate(session: AsyncSession, raw: str) -> TokenPair:
    """Exchange a refresh token for a new pair; raises RefreshTokenReused on replay."""
    token = await _find_refresh(session, raw)
    if token is None or token.revoked_at is not None:
        raise Unauthorized(INVALID_REFRESH)
    if token.used_at is not None:
        log.warning("refresh_token_reused", user_id=token.user_id, family=token.family_id)
        await revoke_family(session, token.family_id)
        raise RefreshTokenReused()
    if token.expires_at <= utcnow():
        raise Unauthorized(INVALID_REFRESH)
    if not await claim_once(session, RefreshToken, token.id):  # a concurrent refresh won
        log.warning("refresh_token_raced", user_id=token.user_id, family=token.family_id)
        await revoke_family(session, token.family_id)
        raise RefreshTokenReused()
    user = await session.get(User, token.user_id)
    if user is None or not user.is_active:
        raise Unauthorized(INVALID_REFRESH)
    refresh = await _new_refresh_token(session, user.id, token.family_id)
    return _access_pair(user, refresh, token.family_id)


async def revoke(session: AsyncSession, raw: str) -> None:
    """Logout: the token's whole family stops working, and so do the access tokens it issued.
    Unknown tokens are ignored."""
    token = await _find_refresh(session, raw)
    if token is not None:
        await revoke_family(session, token.family_id)
        await sessions.end_session(
            session, token.user_id, token.family_id, sessions.api_session_lifetime()
        )


async def create_password_reset(session: AsyncSession, user: User) -> str:
    """A single-use reset token (returned raw, stored hashed); earlier ones stop working."""
    await retire_open(session, PasswordResetToken, user.id)
    now = utcnow()
    raw, digest = security.new_opaque_token()
    session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=digest,
            created_at=now,
            expires_at=now + timedelta(minutes=get_settings().password_reset_minutes),
        )
    )
    await session.flush()
    return raw


async def redeem_password_reset(session: AsyncSession, raw: str) -> User:
    """Mark the reset token used and return its user; 400 if unknown, used or expired."""
    result = await session.execute(
        select(PasswordResetToken).where(
            PasswordResetToken.token_hash == security.hash_opaque_token(raw)
        )
    )
    token = result.scalar_one_or_none()
    if token is None:
        raise BadRequest("This password reset link is invalid.")
    if token.used_at is not None:
        raise BadRequest("This password reset link has already been used.")
    if token.expires_at <= utcnow():
        raise BadRequest("This password reset link has expired; please request a new one.")
    if not await claim_once(session, PasswordResetToken, token.id):
        raise BadRequest("This password reset link has already been used.")
    user = await session.get(User, token.user_id)
    if user is None or not user.is_active:
        raise BadRequest("This password reset link is invalid.")
    return user
