"""Forgot password, and the page the mailed reset link opens."""

from __future__ import annotations

from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from fastapi import APIRouter, BackgroundTasks, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from vitrina.accounts import emails
from vitrina.accounts import service as accounts_service
from vitrina.accounts.passwords import password_weakness
from vitrina.accounts.reset_rate_limit import TooManyResets, get_reset_limiter
from vitrina.accounts.security import text_problem
from vitrina.db import SessionDep
from vitrina.errors import BadRequest, Unprocessable
from vitrina.storefront.account_messages import account_message, password_message
from vitrina.storefront.templating import N_, flash, language_of, render, translate

router = APIRouter()

TOKEN_MAX = 200


@router.get("/forgot-password")
async def forgot_password_page(request: Request, email: str = "") -> Response:
    context = {"email": email[:320], "errors": {}, "sent": False}
    return render(request, "storefront/forgot_password.html", context)


@router.post("/forgot-password")
async def forgot_password(
    request: Request,
    session: SessionDep,
    background: BackgroundTasks,
    email: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    """The same answer whether or not the address has an account (no account discovery),
    counted per email and per address (`accounts.reset_rate_limit`) so it cannot flood an
    inbox. The mail is in the account's language, else the page's."""
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        message = translate(request, N_("Enter a valid email address."))
        context = {"email": email, "errors": {"email": message}, "sent": False}
        return render(request, "storefront/forgot_password.html", context, status_code=400)
    try:
        await get_reset_limiter().count(email, request.client.host if request.client else None)
    except TooManyResets as exc:
        message = translate(
            request, N_("Too many password reset requests. Try again in %(minutes)s minutes.")
        )
        errors = {"email": message % {"minutes": exc.minutes}}
        context = {"email": email, "errors": errors, "sent": False}
        page = render(request, "storefront/forgot_password.html", context, status_code=429)
        page.headers.update(exc.headers or {})
        return page
    issued = await accounts_service.request_password_reset(session, email)
    if issued is not None:
        user, token = issued
        language = user.locale or language_of(request)
        background.add_task(emails.send_password_reset, user.email, token, language)
    context = {"email": email, "errors": {}, "sent": True}
    return render(request, "storefront/forgot_password.html", context)


def _reset_form(request: Request, token: str, errors: dict[str, str], status: int) -> Response:
    context = {"token": token, "errors": errors}
    return render(request, "storefront/reset_password.html", context, status_code=status)


@router.get("/reset-password")
async def reset_password_page(request: Request, token: str = "") -> Response:
    if not token or len(token) > TOKEN_MAX or text_problem(token):
        message = translate(request, N_("This password reset link is invalid."))
        return _reset_form(request, "", {"form": message}, 400)
    return _reset_form(request, token, {}, 200)


@router.post("/reset-password")
async def reset_password(
    request: Request,
    session: SessionDep,
    token: Annotated[str, Form(max_length=TOKEN_MAX)] = "",
    new_password: Annotated[str, Form(max_length=1000)] = "",
    confirm_password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Set the new password; every earlier session ends, and the customer logs in again."""
    if (problem := password_weakness(new_password)) is not None:
        return _reset_form(
            request, token, {"new_password": password_message(request, problem)}, 400
        )
    if new_password != confirm_password:
        message = translate(request, N_("The two passwords do not match."))
        return _reset_form(request, token, {"confirm_password": message}, 400)
    try:
        await accounts_service.reset_password(session, token, new_password)
    except (BadRequest, Unprocessable) as exc:
        await session.rollback()  # the link stays unused
        if isinstance(exc, Unprocessable):
            errors = {"new_password": password_message(request, exc.detail)}
        else:
            errors = {"form": account_message(request, exc.detail)}
        return _reset_form(request, token, errors, 400)
    flash(request, translate(request, N_("Your password has been changed. Log in with it now.")))
    return RedirectResponse("/login", status_code=303)
