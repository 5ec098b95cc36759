"""What makes a password acceptable: length, variety, and not being a common password.

Common passwords are recognised by zxcvbn (Dropbox's estimator; the maintained `zxcvbn` port):
its dictionary of the 30,000 most used passwords, matched in any letter case, in l33t spelling
("P@ssw0rd") and reversed, plus its keyboard-pattern, sequence and date matchers. A password
is refused when zxcvbn reads the whole of it as one such password, as the customer's own email
or name, or estimates fewer than a thousand guesses for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zxcvbn import zxcvbn

from vitrina.accounts.security import BCRYPT_MAX_BYTES, password_too_long, text_problem

MIN_PASSWORD_LENGTH = 8
TOO_COMMON = "This password is too common or too easy to guess; choose a less predictable one."
_GIVEAWAY_DICTIONARIES = frozenset({"passwords", "user_inputs"})


def is_common(password: str, personal: Sequence[str] = ()) -> bool:
    """True if zxcvbn finds `password` to be a common password (or `personal` data) as a whole,
    or guessable in fewer than 10^3 tries."""
    inputs = [value for value in personal if value]
    inputs += [part for value in inputs for part in value.split("@") if part]
    result: dict[str, Any] = zxcvbn(password, user_inputs=inputs)
    if result["score"] == 0:
        return True
    sequence = result["sequence"]
    only = sequence[0] if len(sequence) == 1 else None
    return (
        only is not None
        and only.get("pattern") == "dictionary"
        and only.get("dictionary_name") in _GIVEAWAY_DICTIONARIES
    )


def password_weakness(
    password: str, email: str | None = None, personal: Sequence[str] = ()
) -> str | None:
    """Why `password` is not acceptable, or None. Shared by the API, the pages and the CLI."""
    if (problem := text_problem(password)) is not None:
        return problem
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be at least {MIN_PASSWORD_LENGTH} characters long."
    if password_too_long(password):
        return f"Password must be at most {BCRYPT_MAX_BYTES} bytes (UTF-8)."
    if password.isdigit():
        return "Password must not consist of digits only."
    if password.isalpha():
        return "Password must not consist of letters only."
    if email and password.strip().lower() == email.strip().lower():
        return "Password must not be the same as the email address."
    if is_common(password, [email or "", *personal]):
        return TOO_COMMON
    return None
