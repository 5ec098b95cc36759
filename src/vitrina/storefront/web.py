"""Web sessions, CSRF tokens and safe redirects for the server-rendered pages.

The session is Starlette's signed cookie (stateless across processes), signed with a key
derived from JWT_SECRET so one secret serves the API and the pages. The JSON API does not use
it (bearer tokens), so it is exempt from CSRF by construction.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request

from vitrina.accounts import sessions
from vitrina.accounts.models import User
from vitrina.config import Settings
from vitrina.errors import Forbidden

SESSION_COOKIE = "vitrina_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def session_secret(settings: Settings) -> str:
    """A key for the session cookie, derived from (never equal to) the JWT secret."""
    return hmac.new(settings.jwt_key().encode(), b"vitrina:web-session", hashlib.sha256).hexdigest()


def cookie_is_secure(settings: Settings) -> bool:
    return settings.public_base_url.startswith("https://")


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


class CsrfRejected(Forbidden):
    default_detail = "The form has expired. Reload the page and try again."


async def verify_csrf(request: Request) -> None:
    """Refuse an unsafe request whose form field or header does not carry the token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise CsrfRejected()


def safe_next(target: str | None, default: str = "/") -> str:
    """`target` if it is a path on this site, else `default` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(char) < 32 or char == "\\" for char in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def login_user(request: Request, user: User) -> None:
    """Start a fresh session for the user (a new id and CSRF token: no session fixation)."""
    language = request.session.get("lang")
    request.session.clear()
    sessions.start_in_cookie(request.session, sessions.STOREFRONT_KEYS, user)
    request.session["csrf"] = secrets.token_urlsafe(32)
    if language:
        request.session["lang"] = language


def logout_user(request: Request) -> None:
    request.session.clear()
