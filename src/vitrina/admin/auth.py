"""Staff log in to the admin with their email and password; customers are refused.

The admin shares the storefront's signed session cookie (one SessionMiddleware for the whole
app, so the two never overwrite each other) under its own key. Its state-changing requests
are refused when the browser says they come from another site (Sec-Fetch-Site / Origin), and
without the session's CSRF token (`admin.csrf`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqladmin.authentication import AuthenticationBackend
from starlette.requests import Request

from vitrina.accounts import service as accounts_service
from vitrina.accounts import sessions
from vitrina.accounts.rate_limit import get_login_limiter
from vitrina.admin import csrf
from vitrina.admin.audit_hooks import admin_sessions, current_actor
from vitrina.errors import TooManyRequests

SESSION_KEY = sessions.ADMIN_KEYS.user


def _cross_site(request: Request) -> bool:
    if request.headers.get("sec-fetch-site") == "cross-site":
        return True
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc != request.headers.get("host", "")
    return False


def _changes_state(request: Request) -> bool:
    return request.method != "GET" or "/action/" in request.url.path


class StaffAuthentication(AuthenticationBackend):
    def __init__(self) -> None:
        # No middleware of its own (the base class would add a second SessionMiddleware).
        self.middlewares = []

    async def login(self, request: Request) -> bool:
        if _cross_site(request):
            return False
        form = await request.form()
        email, password = str(form.get("username", "")), str(form.get("password", ""))
        address = request.client.host if request.client else None
        limiter = get_login_limiter()
        try:
            await limiter.check(email, address)
        except TooManyRequests:
            return False
        async with admin_sessions()() as session:
            user = await accounts_service.authenticate(session, email, password)
        if user is None or not user.is_staff:
            await limiter.record_failure(email, address)
            return False
        sessions.start_in_cookie(request.session, sessions.ADMIN_KEYS, user)
        return True

    async def logout(self, request: Request) -> bool:
        async with admin_sessions()() as session:
            await sessions.end_in_cookie(session, request.session, sessions.ADMIN_KEYS)
            await session.commit()
        return True

    async def authenticate(self, request: Request) -> bool:
        user_id = request.session.get(SESSION_KEY)
        if not isinstance(user_id, int):
            return False
        if _changes_state(request) and _cross_site(request):
            return False
        refused = await csrf.refusal(request)
        if refused is not None:
            return refused  # type: ignore[return-value]  # sqladmin returns a Response as is
        async with admin_sessions()() as session:
            user = await sessions.cookie_user(session, request.session, sessions.ADMIN_KEYS)
        if user is None or not user.is_staff:
            sessions.forget_in_cookie(request.session, sessions.ADMIN_KEYS)
            return False
        current_actor.set(user.id)
        request.state.staff = user
        return True

    async def get_user_id(self, request: Request) -> int | None:
        user_id = request.session.get(SESSION_KEY)
        return user_id if isinstance(user_id, int) else None
