"""Register, log in, log out, switch language; the favicon.

Every way into an account (the login form, registration) ends in `after_login`: the one place
where work that follows a login belongs (such as bringing a guest's basket along).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from email_validator import EmailNotValidError, validate_email
from fastapi import APIRouter, Form
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from vitrina.accounts import service as accounts_service
from vitrina.accounts import sessions
from vitrina.accounts.models import User
from vitrina.accounts.passwords import password_weakness
from vitrina.accounts.rate_limit import get_login_limiter
from vitrina.db import SessionDep
from vitrina.errors import Conflict, TooManyRequests, Unprocessable
from vitrina.storefront import i18n
from vitrina.storefront.account_messages import account_message, password_message
from vitrina.storefront.deps import WebUser
from vitrina.storefront.templating import N_, flash, render, translate
from vitrina.storefront.web import login_user, logout_user, safe_next

router = APIRouter()
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


async def after_login(
    request: Request, session: AsyncSession, user: User, before: dict[str, Any]
) -> None:
    """Runs after every login and registration, once the new session is in the cookie.

    `before` is what the cookie held while the visitor was a guest (the login replaced it with
    a fresh session, so that no guest-chosen value survives into the account's session)."""


async def start_session(request: Request, session: AsyncSession, user: User) -> None:
    before = dict(request.session)
    login_user(request, user)
    await after_login(request, session, user, before)


def _login_failed(request: Request, context: dict[str, str], message: str, status: int) -> Response:
    page = {**context, "errors": {"form": message}}
    return render(request, "storefront/login.html", page, status_code=status)


@router.get("/login")
async def login_page(request: Request, user: WebUser, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "storefront/login.html", {"next": safe_next(next), "errors": {}})


@router.post("/login")
async def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    target = safe_next(next)
    context = {"next": target, "email": email}
    address = request.client.host if request.client else None
    limiter = get_login_limiter()
    try:
        await limiter.check(email, address)
    except TooManyRequests:
        message = translate(request, N_("Too many failed attempts. Try again in a minute."))
        return _login_failed(request, context, message, 429)
    user = await accounts_service.authenticate(session, email, password)
    if user is None:
        await limiter.record_failure(email, address)
        message = translate(request, N_("Incorrect email or password."))
        return _login_failed(request, context, message, 400)
    await start_session(request, session, user)
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
async def logout(request: Request, session: SessionDep) -> Response:
    """End this browser's session on the server too: a copy of the cookie no longer works."""
    for keys in (sessions.STOREFRONT_KEYS, sessions.ADMIN_KEYS):
        await sessions.end_in_cookie(session, request.session, keys)
    logout_user(request)
    flash(request, translate(request, N_("You have been logged out.")))
    return RedirectResponse("/", status_code=303)


@router.get("/register")
async def register_page(request: Request, user: WebUser, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse("/account", status_code=303)
    return render(request, "storefront/register.html", {"next": safe_next(next), "errors": {}})


@router.post("/register")
async def register(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    full_name: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    target = safe_next(next)
    errors: dict[str, str] = {}
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        errors["email"] = translate(request, N_("Enter a valid email address."))
    if (problem := password_weakness(password, email, [full_name])) is not None:
        errors["password"] = password_message(request, problem)
    if not errors:
        try:
            user = await accounts_service.create_user(
                session, email=email, password=password, full_name=full_name
            )
        except Conflict as exc:
            errors["email"] = account_message(request, exc.detail)
        except Unprocessable as exc:
            errors["password"] = password_message(request, exc.detail)
    if errors:
        context = {"next": target, "errors": errors, "email": email, "full_name": full_name}
        return render(request, "storefront/register.html", context, status_code=400)
    await start_session(request, session, user)
    flash(request, translate(request, N_("Welcome! Your account is ready.")))
    return RedirectResponse(target, status_code=303)


@router.get("/favicon.ico")
async def favicon() -> Response:
    """Browsers ask for /favicon.ico on pages that name no icon (the emulator's page)."""
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")


@router.get("/lang/{code}")
async def switch_language(code: str, next: str = "/") -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in i18n.LANGUAGES:
        response.set_cookie(
            i18n.LANGUAGE_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", httponly=True
        )
    return response
