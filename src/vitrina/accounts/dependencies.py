"""Who is calling: `CurrentUser`, `StaffUser`, `AdminUser`, `OptionalUser` for routers (and
`AskedLanguage`, the language they read).

The user is loaded from the database on every request, so deactivating or deleting an account,
or changing its password, takes effect at once for access tokens already handed out.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from vitrina.accounts import security, service
from vitrina.accounts.models import Role, User
from vitrina.accounts.sessions import SignedIn
from vitrina.audit.hooks import audit_changes_by
from vitrina.config import get_settings
from vitrina.db import ReaderDep, SessionDep, db_helper
from vitrina.errors import Forbidden, Unauthorized
from vitrina.kit.languages import Language, negotiate

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

BearerToken = Annotated[str | None, Depends(oauth2_scheme)]


def _claims(token: str) -> security.AccessClaims:
    try:
        return security.decode_access_token(token)
    except security.InvalidToken as exc:
        raise Unauthorized("Could not validate credentials.") from exc


async def _user_from_token(session: AsyncSession, token: str) -> User:
    return await service.user_from_access_claims(session, _claims(token))


async def signed_in(session: AsyncSession, token: str) -> SignedIn:
    """`get_current_user` for a request that needs only whose it is: the account as a plain
    row (`sessions.SignedIn`), with the same refusals (401)."""
    return await service.account_from_access_claims(session, _claims(token))


async def optional_user(reader: AsyncConnection, token: str | None) -> User | None:
    """None without a token; a presented but invalid token is still a 401.

    For public reads (the catalog): the user is read on the request's reader connection."""
    if not token:
        return None
    async with db_helper.session_over(reader) as session:
        return await _user_from_token(session, token)


async def get_optional_user(reader: ReaderDep, token: BearerToken) -> User | None:
    return await optional_user(reader, token)


async def get_current_user(session: SessionDep, token: BearerToken) -> User:
    if not token:
        raise Unauthorized()
    return await _user_from_token(session, token)


async def get_staff_user(
    session: SessionDep, user: Annotated[User, Depends(get_current_user)]
) -> User:
    """A staff member; what the request then writes is audited as their change."""
    if not user.is_staff:
        raise Forbidden("Staff only.")
    audit_changes_by(session, user.id)
    return user


async def get_admin_user(user: Annotated[User, Depends(get_current_user)]) -> User:
    if user.role != Role.ADMIN:
        raise Forbidden("Administrators only.")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
OptionalUser = Annotated[User | None, Depends(get_optional_user)]
StaffUser = Annotated[User, Depends(get_staff_user)]
AdminUser = Annotated[User, Depends(get_admin_user)]


def asked_language(request: Request) -> Language:
    """The language the caller's Accept-Language asks for, else the store's (for mails)."""
    header = request.headers.get("accept-language", "")
    return negotiate(header, get_settings().store_language)


AskedLanguage = Annotated[Language, Depends(asked_language)]
