"""Stripe-looking object ids: a prefix, `_test_` where Stripe uses it, and random base62."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def random_part(length: int = 24) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_id(prefix: str, length: int = 24) -> str:
    return f"{prefix}_{random_part(length)}"


def request_id() -> str:
    return new_id("req", 14)
