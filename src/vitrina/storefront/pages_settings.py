"""Account settings: name, email (confirmed by a mailed link), password, other sessions.

A failed form rolls the request back before the page is shown again, so nothing of it is
half-written (the request would otherwise commit, since the page is an ordinary answer).
"""

from __future__ import annotations

from typing import Annotated, Any

from email_validator import EmailNotValidError, validate_email
from fastapi import APIRouter, BackgroundTasks, Form
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from vitrina.accounts import email_change, emails, sessions
from vitrina.accounts import service as accounts_service
from vitrina.accounts.models import User
from vitrina.accounts.security import text_problem
from vitrina.db import SessionDep
from vitrina.errors import BadRequest, Conflict, Unprocessable
from vitrina.storefront.account_messages import account_message, password_message
from vitrina.storefront.deps import WebUser, require_user
from vitrina.storefront.templating import N_, flash, language_of, render, translate
from vitrina.storefront.web import login_user

router = APIRouter()

SETTINGS = "/account/settings"
TOKEN_MAX = 200


def _settings_page(
    request: Request, user: User, errors: dict[str, str] | None = None, **values: Any
) -> Response:
    context = {"account": user, "errors": errors or {}, "values": values}
    status = 400 if errors else 200
    return render(request, "storefront/account_settings.html", context, status_code=status)


async def _refused(
    request: Request, session: AsyncSession, user: User, errors: dict[str, str], **values: Any
) -> Response:
    await session.rollback()
    await session.refresh(user)
    return _settings_page(request, user, errors, **values)


def _done(request: Request, message: str) -> Response:
    flash(request, translate(request, message))
    return RedirectResponse(SETTINGS, status_code=303)


@router.get(SETTINGS)
async def settings_page(request: Request, user: WebUser) -> Response:
    return _settings_page(request, require_user(request, user))


@router.post(f"{SETTINGS}/name")
async def change_name(
    request: Request,
    session: SessionDep,
    user: WebUser,
    full_name: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    customer = require_user(request, user, SETTINGS)
    if len(full_name.strip()) > 200 or text_problem(full_name):
        message = translate(request, N_("Use at most 200 characters."))
        return await _refused(request, session, customer, {"full_name": message})
    await accounts_service.update_profile(
        session, customer, full_name=full_name, locale=None, fields={"full_name"}
    )
    return _done(request, N_("Your name has been saved."))


@router.post(f"{SETTINGS}/email")
async def change_email(
    request: Request,
    session: SessionDep,
    user: WebUser,
    background: BackgroundTasks,
    new_email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Mail a confirmation link to the new address; the account keeps the old one until then."""
    customer = require_user(request, user, SETTINGS)
    try:
        address = validate_email(new_email, check_deliverability=False).normalized
    except EmailNotValidError:
        message = translate(request, N_("Enter a valid email address."))
        return await _refused(
            request, session, customer, {"new_email": message}, new_email=new_email
        )
    try:
        address, token = await email_change.request_email_change(
            session, customer, address, password
        )
    except BadRequest as exc:
        errors = {"email_password": account_message(request, exc.detail)}
        return await _refused(request, session, customer, errors, new_email=new_email)
    except (Conflict, Unprocessable) as exc:
        detail = exc.detail[0]["msg"] if isinstance(exc.detail, list) else exc.detail
        errors = {"new_email": account_message(request, detail)}
        return await _refused(request, session, customer, errors, new_email=new_email)
    language = language_of(request)
    background.add_task(emails.send_email_change_confirmation, address, token, language)
    message = translate(
        request, N_("We sent a confirmation link to %(email)s. Open it to use the new address.")
    )
    flash(request, message % {"email": address})
    return RedirectResponse(SETTINGS, status_code=303)


@router.post(f"{SETTINGS}/password")
async def change_password(
    request: Request,
    session: SessionDep,
    user: WebUser,
    current_password: Annotated[str, Form(max_length=1000)] = "",
    new_password: Annotated[str, Form(max_length=1000)] = "",
    confirm_password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Every other session ends; this browser gets a fresh one."""
    customer = require_user(request, user, SETTINGS)
    if new_password != confirm_password:
        message = translate(request, N_("The two passwords do not match."))
        return await _refused(request, session, customer, {"confirm_password": message})
    try:
        await accounts_service.change_password(session, customer, current_password, new_password)
    except BadRequest as exc:
        errors = {"current_password": account_message(request, exc.detail)}
        return await _refused(request, session, customer, errors)
    except Unprocessable as exc:
        errors = {"new_password": password_message(request, exc.detail)}
        return await _refused(request, session, customer, errors)
    login_user(request, customer)
    return _done(request, N_("Your password has been changed. Other devices have been logged out."))


@router.post(f"{SETTINGS}/logout-others")
async def logout_other_devices(request: Request, session: SessionDep, user: WebUser) -> Response:
    customer = require_user(request, user, SETTINGS)
    await sessions.end_all_sessions(session, customer)
    login_user(request, customer)
    return _done(request, N_("You have been logged out on every other device."))


@router.get("/account/email/confirm")
async def confirm_email_page(request: Request, session: SessionDep, token: str = "") -> Response:
    """The page the mailed link opens: it shows the address and asks to confirm (a button, so
    that mail scanners that open links change nothing)."""
    error, new_email = None, None
    if not token or len(token) > TOKEN_MAX or text_problem(token):
        error = account_message(request, email_change.INVALID_LINK)
    else:
        try:
            new_email = (await email_change.pending_email(session, token)).new_email
        except BadRequest as exc:
            error = account_message(request, exc.detail)
    context = {"token": token, "new_email": new_email, "error": error}
    return render(
        request, "storefront/email_confirm.html", context, status_code=400 if error else 200
    )


@router.post("/account/email/confirm")
async def confirm_email(
    request: Request,
    session: SessionDep,
    background: BackgroundTasks,
    token: Annotated[str, Form(max_length=TOKEN_MAX)] = "",
) -> Response:
    try:
        user, previous = await email_change.confirm_email_change(session, token)
    except (BadRequest, Conflict) as exc:
        await session.rollback()
        context = {"token": "", "new_email": None, "error": account_message(request, exc.detail)}
        return render(request, "storefront/email_confirm.html", context, status_code=400)
    language = user.locale or language_of(request)
    background.add_task(emails.send_email_changed_notice, previous, user.email, language)
    message = translate(request, N_("Your email address is now %(email)s."))
    flash(request, message % {"email": user.email})
    return RedirectResponse(SETTINGS if request.state.user else "/login", status_code=303)
