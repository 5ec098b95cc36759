"""The basket's `unique_code`: a CSPRNG value in the seed's base36 format."""

from __future__ import annotations

import secrets

BASE36_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
CODE_BITS = 41


def int_to_base36(number: int) -> str:
    """The seed's (Django's) base36 spelling of a non-negative integer: 35 -> 'z'."""
    if number < 0:
        raise ValueError("base36 needs a non-negative integer")
    if number < 36:
        return BASE36_DIGITS[number]
    digits = []
    while number:
        number, rest = divmod(number, 36)
        digits.append(BASE36_DIGITS[rest])
    return "".join(reversed(digits))


def new_unique_code() -> str:
    """A fresh basket code: `int_to_base36(secrets.randbits(41))` (up to 8 characters)."""
    return int_to_base36(secrets.randbits(CODE_BITS))
