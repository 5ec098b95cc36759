"""The accounts services' messages as a shopper reads them on the account pages."""

from __future__ import annotations

from starlette.requests import Request

from vitrina.accounts import email_change, service
from vitrina.accounts.passwords import TOO_COMMON
from vitrina.storefront.templating import N_, translate

WEAK_PASSWORD = N_("Use at least 8 characters, mixing letters with digits or symbols.")
COMMON_PASSWORD = N_(
    "This password is too common or too easy to guess; choose a less predictable one."
)
KNOWN = {
    service.DUPLICATE_EMAIL: N_("An account with this email address already exists."),
    service.LOOK_ALIKE_EMAIL: N_(
        "An account with an email address that looks the same already exists."
    ),
    "The current password is incorrect.": N_("The current password is incorrect."),
    "This is already your email address.": N_("This is already your email address."),
    "This password reset link is invalid.": N_("This password reset link is invalid."),
    "This password reset link has already been used.": N_(
        "This password reset link has already been used."
    ),
    "This password reset link has expired; please request a new one.": N_(
        "This password reset link has expired; please request a new one."
    ),
    email_change.INVALID_LINK: N_("This confirmation link is invalid or has already been used."),
    email_change.EXPIRED_LINK: N_("This confirmation link has expired; please ask for a new one."),
}


def password_message(request: Request, problem: object) -> str:
    """A password rule's complaint (the rule's text, or a service's 422 detail), in the
    page's language."""
    if isinstance(problem, list) and problem and isinstance(problem[0], dict):
        problem = problem[0].get("msg")
    return translate(request, COMMON_PASSWORD if problem == TOO_COMMON else WEAK_PASSWORD)


def account_message(request: Request, detail: object) -> str:
    """A known service message translated; anything else as the service wrote it."""
    text = str(detail)
    return translate(request, KNOWN[text]) if text in KNOWN else text
