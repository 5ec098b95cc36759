"""Passwords (bcrypt), access tokens (short-lived HS256 JWTs) and opaque one-time tokens.

Passwords longer than bcrypt's 72-byte limit are rejected at input (422), never truncated or
pre-hashed, so a stored hash always covers the whole password. bcrypt runs in a worker thread
so that a login does not stall the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, lru_cache
from typing import Any

import bcrypt
import jwt

from vitrina.accounts.models import User
from vitrina.config import get_settings
from vitrina.kit.clock import utcnow

BCRYPT_MAX_BYTES = 72
JWT_ALGORITHM = "HS256"
ACCESS_TOKEN_TYPE = "access"  # noqa: S105


class InvalidToken(Exception):
    """The access token is malformed, forged, expired or of the wrong type."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    issued_at: float
    jti: str
    session_id: str
    session_version: int


def password_too_long(password: str) -> bool:
    return len(password.encode()) > BCRYPT_MAX_BYTES


def _hash_sync(password: str, rounds: int) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=rounds)).decode()


@cache
def _dummy_hash(rounds: int) -> bytes:
    """A hash of a random password with the configured cost, checked for unknown emails."""
    return _hash_sync(secrets.token_urlsafe(16), rounds).encode()


def _verify_sync(password: str, password_hash: str | None, rounds: int) -> bool:
    candidate = password.encode("utf-8", "surrogatepass")
    if password_hash is None or len(candidate) > BCRYPT_MAX_BYTES:
        bcrypt.checkpw(candidate[:BCRYPT_MAX_BYTES], _dummy_hash(rounds))
        return False
    try:
        return bcrypt.checkpw(candidate, password_hash.encode())
    except ValueError:
        return False


async def hash_password(password: str) -> str:
    if password_too_long(password):
        raise ValueError(f"Passwords are limited to {BCRYPT_MAX_BYTES} bytes.")
    return await asyncio.to_thread(_hash_sync, password, get_settings().bcrypt_rounds)


async def verify_password(password: str, password_hash: str | None) -> bool:
    """Check a password; with no hash (unknown user) spend the same bcrypt time and refuse."""
    return await asyncio.to_thread(
        _verify_sync, password, password_hash, get_settings().bcrypt_rounds
    )


def create_access_token(
    user: User, *, session_id: str | None = None, now: datetime | None = None
) -> str:
    """A signed access JWT for `user` in session `session_id` (an API login's refresh-token
    family; a fresh id when None), under the user's current `session_version`."""
    settings = get_settings()
    issued = now or utcnow()
    claims: dict[str, Any] = {
        "sub": str(user.id),
        "type": ACCESS_TOKEN_TYPE,
        "iat": issued.timestamp(),
        "exp": issued + timedelta(minutes=settings.access_token_minutes),
        "jti": uuid.uuid4().hex,
        "sid": session_id or uuid.uuid4().hex,
        "ver": user.session_version,
    }
    return jwt.encode(claims, settings.jwt_key(), algorithm=JWT_ALGORITHM)


VERIFIED_TOKENS = 4096
"""How many access tokens `decode_access_token` remembers as verified (per process)."""


def decode_access_token(token: str) -> AccessClaims:
    """The claims of a valid access token, else `InvalidToken`. A token verified once is
    remembered until it expires: checking its signature and every claim again cost a basket
    change a tenth of its CPU (PyJWT checks each character of the token in Python), and the
    outcome cannot change but by expiry, checked on every call, or a new key, which is part
    of what is remembered. Revocation is not a property of the token: the caller checks the
    session against the database on every request."""
    claims, expires = _verified(token, get_settings().jwt_key())
    if expires <= utcnow().timestamp():
        raise InvalidToken("Signature has expired")
    return claims


@lru_cache(maxsize=VERIFIED_TOKENS)
def _verified(token: str, key: str) -> tuple[AccessClaims, float]:
    """The token's claims and expiry, its signature and claims checked (never cached when
    they fail: an exception is not a result)."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[JWT_ALGORITHM],
            options={"require": ["sub", "type", "exp", "iat", "jti", "sid", "ver"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    if claims["type"] != ACCESS_TOKEN_TYPE:
        raise InvalidToken("not an access token")
    try:
        user_id, issued_at = int(claims["sub"]), float(claims["iat"])
        version, session_id = claims["ver"], str(claims["sid"])
        expires = float(claims["exp"])
    except (TypeError, ValueError) as exc:
        raise InvalidToken("malformed claims") from exc
    if not 0 < user_id < 2**31 or not isinstance(version, int) or not 0 < version < 2**31:
        raise InvalidToken("malformed claims")
    if not 0 < len(session_id) <= 64:
        raise InvalidToken("malformed claims")
    access = AccessClaims(
        user_id=user_id,
        issued_at=issued_at,
        jti=str(claims["jti"]),
        session_id=session_id,
        session_version=version,
    )
    return access, expires


def new_opaque_token() -> tuple[str, str]:
    """A random token for the client and the sha256 hex digest the database keeps."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_opaque_token(raw)


def hash_opaque_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def text_problem(value: str) -> str | None:
    """Text PostgreSQL and UTF-8 cannot store: NUL characters and lone surrogates."""
    if "\x00" in value:
        return "Must not contain NUL characters."
    try:
        value.encode()
    except UnicodeEncodeError:
        return "Must be valid Unicode text."
    return None
