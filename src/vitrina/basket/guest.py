"""Who a guest is: the signed basket cookie that the storefront and the JSON API both read.

The cookie holds a random token (32 bytes from `secrets`) signed with a key derived from
JWT_SECRET, so a forged or altered value is refused before any lookup; the database keeps
only the token's SHA-256 (`Basket.guest_key`), so reading the table does not let anyone act
as a guest. One guest cannot reach another's basket without its token.

The cookie is HttpOnly and SameSite=Lax: other sites' pages cannot read it, and their forms
and scripts cannot send it with a write (the API's writes are PUT/DELETE with a JSON body,
which browsers only send cross-site after a CORS preflight the store does not grant).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from itsdangerous import BadSignature, Signer
from starlette.responses import Response

from vitrina.config import Settings

GUEST_COOKIE = "vitrina_basket"
GUEST_BASKET_DAYS = 30
"""The cookie lives this long after the guest's last change; `vitrina purge-guest-baskets`
deletes guests' baskets untouched for as long (by default)."""


@dataclass(frozen=True)
class Guest:
    """A shopper without an account, known by the token in their basket cookie."""

    token: str = field(repr=False)
    is_new: bool = False
    """No cookie came with the request: the token was made now and must be sent back."""

    @property
    def key(self) -> str:
        """What the database stores for this guest's basket (`Basket.guest_key`)."""
        return hashlib.sha256(self.token.encode()).hexdigest()

    @classmethod
    def fresh(cls) -> Guest:
        return cls(token=secrets.token_urlsafe(32), is_new=True)


def _signer(settings: Settings) -> Signer:
    secret = hmac.new(settings.jwt_key().encode(), b"vitrina:guest-basket", hashlib.sha256)
    return Signer(secret.hexdigest(), salt="vitrina.guest-basket")


def guest_from_cookie(value: str | None, settings: Settings) -> Guest | None:
    """The guest a cookie names, or None for no cookie or one that fails its signature."""
    if not value or len(value) > 200:
        return None
    try:
        token = _signer(settings).unsign(value).decode()
    except BadSignature:
        return None
    return Guest(token=token)


def remember_guest(response: Response, guest: Guest, settings: Settings) -> None:
    """(Re)send the guest's cookie: its lifetime counts from the latest change."""
    response.set_cookie(
        GUEST_COOKIE,
        _signer(settings).sign(guest.token).decode(),
        max_age=GUEST_BASKET_DAYS * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.public_base_url.startswith("https://"),
    )


def forget_guest(response: Response, settings: Settings) -> None:
    """Drop the cookie (its basket was merged into an account's)."""
    response.delete_cookie(
        GUEST_COOKIE,
        httponly=True,
        samesite="lax",
        secure=settings.public_base_url.startswith("https://"),
    )
