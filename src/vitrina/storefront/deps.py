"""Who is browsing: the web session's user, and sending guests to log in."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from vitrina.accounts import sessions
from vitrina.accounts.models import User
from vitrina.basket.service import basket_item_count
from vitrina.db import SessionDep
from vitrina.storefront.web import logout_user, safe_next


@dataclass(frozen=True)
class Viewer:
    """What pages show about the logged-in user: plain values, safe to read even after the
    request's session rolled back (an error page after a failed request)."""

    id: int
    email: str
    full_name: str
    is_staff: bool
    basket_count: int = 0


async def web_user(request: Request, session: SessionDep) -> User | None:
    """The logged-in, active user of this browser session, or None (a session that was
    ended by logging out or by a password change is dropped from the cookie)."""
    if sessions.STOREFRONT_KEYS.user not in request.session:
        request.state.user = None
        return None
    user = await sessions.cookie_user(session, request.session, sessions.STOREFRONT_KEYS)
    if user is None:
        logout_user(request)
    request.state.user = None
    if user is not None:
        count = await basket_item_count(session, user.id)
        request.state.user = Viewer(user.id, user.email, user.full_name, user.is_staff, count)
    return user


async def refresh_basket_count(request: Request, session: AsyncSession, user: User) -> int:
    """Recount after the basket changed within this request (the header is re-rendered)."""
    count = await basket_item_count(session, user.id)
    viewer = getattr(request.state, "user", None)
    if isinstance(viewer, Viewer):
        request.state.user = replace(viewer, basket_count=count)
    return count


WebUser = Annotated[User | None, Depends(web_user)]


class LoginRequired(Exception):
    """A page needs a logged-in customer; the handler redirects to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(safe_next(next_path), safe="/")


def require_user(request: Request, user: User | None, next_path: str | None = None) -> User:
    if user is None:
        if next_path is None:
            query = f"?{request.url.query}" if request.url.query else ""
            next_path = request.url.path + query if request.method == "GET" else "/"
        raise LoginRequired(safe_next(next_path))
    return user
