"""CSRF for the admin: every request that changes something carries the session's token.

The token is the storefront's (`storefront.web.csrf_token`, one per session). Forms send it
as `csrf_token` (sqladmin's forms get a hidden field, the admin's own templates write it, and
`static/admin/admin.js` adds it to the POSTs it makes for actions); the DELETE that sqladmin
sends by XHR carries it in `X-CSRF-Token`. Actions are routes for POST only, so a GET link,
an <img> or a prefetch changes nothing.
"""

from __future__ import annotations

import hmac
from contextvars import ContextVar

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from wtforms import HiddenField

from vitrina.storefront.web import CSRF_FIELD, CSRF_HEADER, SAFE_METHODS, csrf_token

current_token: ContextVar[str] = ContextVar("vitrina_admin_csrf", default="")


def token_for(request: Request) -> str:
    token = csrf_token(request)
    current_token.set(token)
    return token


UNSTORABLE = PlainTextResponse(
    "The request contains a NUL character, which cannot be stored.", status_code=400
)
FORM_STATE = "admin_form"
"""`request.state` key of the form read here; `admin.i18n`'s middleware closes its files."""


async def refusal(request: Request) -> Response | None:
    """None when the request is safe or carries the session's token; else a 403 (or a 400
    for a NUL character, which PostgreSQL cannot store, in the query or the form)."""
    expected = token_for(request)
    if "\x00" in request.url.query or "%00" in request.url.query:
        return UNSTORABLE
    if request.method in SAFE_METHODS:
        return None
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        setattr(request.state, FORM_STATE, form)
        if any(isinstance(v, str) and "\x00" in v for _k, v in form.multi_items()):
            return UNSTORABLE
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if sent and hmac.compare_digest(expected, sent):
        return None
    return PlainTextResponse(
        "The form has expired or did not come from this admin. Reload the page and try again.",
        status_code=403,
    )


def token_field() -> HiddenField:
    """A hidden form field carrying the current request's token (added to every form)."""
    return HiddenField(default=lambda: current_token.get())
