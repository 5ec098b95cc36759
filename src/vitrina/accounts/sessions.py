"""Sessions end when the user says so, on the server, not only in their browser.

Every web session (the signed cookie) and every access token names its user, a session id and
the user's `session_version` at login. Reading one is a single query for the user, which the
request needed anyway: the user row, provided its session is not among `ended_sessions`.

- Logging out ends that one session: its id goes into `ended_sessions` (and for an API login,
  whose session id is its refresh-token family, the family is revoked). A copy of the cookie
  or of the access token is refused from then on.
- A password change or reset, or "log out everywhere", bumps `users.session_version`: every
  session issued before stops working at once, and every refresh token is revoked.

An ended session's row is kept until the last cookie or token naming it has expired: a cookie
is never signed again after its session ended, so its signature dates from before the logout
and expires at most `WEB_SESSION_SECONDS` later; an access token at most
`access_token_minutes` later. Expired rows are purged whenever a session ends.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts.models import EndedSession, RefreshToken, User
from vitrina.config import get_settings
from vitrina.kit.clock import utcnow
from vitrina.reads import run

WEB_SESSION_SECONDS = 14 * 24 * 3600
"""How long a web session cookie lives (its signature's maximum age)."""


def new_session_id() -> str:
    return secrets.token_urlsafe(24)


def web_session_lifetime() -> timedelta:
    return timedelta(seconds=WEB_SESSION_SECONDS)


def api_session_lifetime() -> timedelta:
    return timedelta(minutes=get_settings().access_token_minutes)


_OF_UNENDED_SESSION = (
    User.id == bindparam("user_id"),
    ~exists().where(EndedSession.id == bindparam("session_id")),
)
"""The account of a session not ended (the version and `is_active` are checked by `_live`)."""

_SESSION_USER = select(User).where(*_OF_UNENDED_SESSION)
"""Built once: every authenticated request runs it (building it cost more than running it)."""


async def session_user(
    session: AsyncSession, user_id: int, session_id: str, version: int
) -> User | None:
    """The active user of a live session issued under their current version, else None."""
    values = {"user_id": user_id, "session_id": session_id}
    user = await session.scalar(_SESSION_USER, values)
    if user is None or not _live(user.is_active, user.session_version, version):
        return None
    return user


class Account(Protocol):
    """Whose a request is, where only the account's id matters: a `User`, or a `SignedIn`."""

    @property
    def id(self) -> int: ...


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The account of a live session, as a plain row rather than a `User`: for requests that
    need only whose they are (the basket's), so that none hydrates an ORM object for it."""

    id: int


_SESSION_ACCOUNT = select(User.id, User.is_active, User.session_version).where(*_OF_UNENDED_SESSION)


async def session_account(
    session: AsyncSession, user_id: int, session_id: str, version: int
) -> SignedIn | None:
    """`session_user`, as a `SignedIn` row (a prebuilt statement, `reads.run`)."""
    values = {"user_id": user_id, "session_id": session_id}
    rows = await run(session, _SESSION_ACCOUNT, values)
    if not rows or not _live(rows[0]["is_active"], rows[0]["session_version"], version):
        return None
    return SignedIn(rows[0]["id"])


def _live(is_active: bool, session_version: int, version: int) -> bool:
    """An account still active, and the session issued under its current version."""
    return is_active and session_version == version


async def end_session(
    session: AsyncSession, user_id: int, session_id: str, lifetime: timedelta
) -> None:
    """End one session: whatever still names it is refused until it would have expired."""
    now = utcnow()
    await session.execute(delete(EndedSession).where(EndedSession.expires_at < now))
    if await session.get(EndedSession, session_id) is None:
        session.add(EndedSession(id=session_id, user_id=user_id, expires_at=now + lifetime))
    await session.flush()


async def end_all_sessions(session: AsyncSession, user: User) -> None:
    """Every session and refresh token of `user` stops working (the caller may start a new
    session afterwards: it gets the new version)."""
    user.session_version += 1
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    await session.flush()


@dataclass(frozen=True)
class CookieKeys:
    """Where a session lives in a signed cookie's data (the storefront's and the admin's
    sessions share one cookie under different keys)."""

    user: str
    session: str
    version: str


STOREFRONT_KEYS = CookieKeys(user="uid", session="sid", version="ver")
ADMIN_KEYS = CookieKeys(user="admin_uid", session="admin_sid", version="admin_ver")


def start_in_cookie(data: MutableMapping[str, Any], keys: CookieKeys, user: User) -> None:
    """Record a new session for `user` in the cookie's data."""
    data[keys.user] = user.id
    data[keys.session] = new_session_id()
    data[keys.version] = user.session_version


def _claim(data: Mapping[str, Any], keys: CookieKeys) -> tuple[int, str, int] | None:
    user_id, session_id, version = (data.get(k) for k in (keys.user, keys.session, keys.version))
    if isinstance(user_id, int) and isinstance(session_id, str) and isinstance(version, int):
        return user_id, session_id, version
    return None


async def cookie_user(
    session: AsyncSession, data: Mapping[str, Any], keys: CookieKeys
) -> User | None:
    """The user of the session in the cookie's data, if it is still live."""
    claim = _claim(data, keys)
    return None if claim is None else await session_user(session, *claim)


async def end_in_cookie(
    session: AsyncSession, data: MutableMapping[str, Any], keys: CookieKeys
) -> None:
    """Log out: the session in the cookie's data ends on the server and leaves the cookie."""
    claim = _claim(data, keys)
    if claim is not None and await session_user(session, *claim) is not None:
        user_id, session_id, _version = claim
        await end_session(session, user_id, session_id, web_session_lifetime())
    forget_in_cookie(data, keys)


def forget_in_cookie(data: MutableMapping[str, Any], keys: CookieKeys) -> None:
    for key in (keys.user, keys.session, keys.version):
        data.pop(key, None)
