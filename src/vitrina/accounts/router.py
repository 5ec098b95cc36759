"""The accounts API: registration, tokens, password reset, the caller's profile, users."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm

from vitrina.accounts import emails, service, sessions, tokens
from vitrina.accounts.dependencies import AdminUser, AskedLanguage, CurrentUser, StaffUser
from vitrina.accounts.models import Role, User
from vitrina.accounts.rate_limit import get_login_limiter
from vitrina.accounts.reset_rate_limit import get_reset_limiter
from vitrina.accounts.schemas import (
    AdminUserUpdate,
    PasswordChangeIn,
    PasswordResetConfirmIn,
    PasswordResetIn,
    ProfileUpdate,
    RefreshIn,
    RegisterIn,
    TokenOut,
    UserOut,
    UserPage,
)
from vitrina.accounts.security import text_problem
from vitrina.db import SessionDep
from vitrina.errors import ERROR_RESPONSE, Unauthorized, Unprocessable

router = APIRouter(tags=["accounts"])

MAX_ID = 2**31 - 1


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the JSON `{"detail": ...}` errors an endpoint can answer."""
    return {code: ERROR_RESPONSE for code in codes}


def _token_out(pair: tokens.TokenPair) -> TokenOut:
    return TokenOut(
        access_token=pair.access_token,
        token_type=pair.token_type,
        expires_in=pair.expires_in,
        refresh_token=pair.refresh_token,
    )


@router.post(
    "/auth/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    responses=errors(409, 422),
)
async def register(body: RegisterIn, session: SessionDep) -> User:
    return await service.create_user(
        session, email=body.email, password=body.password, full_name=body.full_name
    )


@router.post("/auth/token", responses=errors(401, 429))
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
) -> TokenOut:
    """OAuth2 password flow: `username` is the email. Failed attempts are rate-limited."""
    for field, value in (("username", form.username), ("password", form.password)):
        if (problem := text_problem(value)) is not None:
            raise service.field_error(field, problem)
    limiter = get_login_limiter()
    address = request.client.host if request.client else None
    await limiter.check(form.username, address)
    user = await service.authenticate(session, form.username, form.password)
    if user is None:
        await limiter.record_failure(form.username, address)
        raise Unauthorized(service.INVALID_CREDENTIALS)
    return _token_out(await tokens.issue_tokens(session, user))


@router.post("/auth/refresh", responses=errors(401), response_model=TokenOut)
async def refresh(body: RefreshIn, session: SessionDep) -> TokenOut | JSONResponse:
    """Rotate a refresh token. Replaying a used one revokes its whole family."""
    try:
        return _token_out(await tokens.rotate(session, body.refresh_token))
    except tokens.RefreshTokenReused as exc:
        # Answered rather than raised: raising would roll back the family's revocation.
        return JSONResponse({"detail": exc.detail}, status_code=401, headers=exc.headers)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshIn, session: SessionDep) -> Response:
    """End this login: its refresh token family and the access tokens it issued stop working."""
    await tokens.revoke(session, body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/auth/logout-everywhere", status_code=status.HTTP_204_NO_CONTENT, responses=errors(401)
)
async def logout_everywhere(user: CurrentUser, session: SessionDep) -> Response:
    """End every session of the caller: all web sessions, access and refresh tokens."""
    await sessions.end_all_sessions(session, user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/password-reset", status_code=status.HTTP_202_ACCEPTED, responses=errors(429))
async def request_password_reset(
    body: PasswordResetIn,
    request: Request,
    session: SessionDep,
    background: BackgroundTasks,
    language: AskedLanguage,
) -> dict[str, str]:
    """202 whether or not the email has an account; the link is mailed afterwards, in the
    account's language, else the one Accept-Language asks for. 429 (for any email alike)
    once the email or the caller's address has asked too often."""
    await get_reset_limiter().count(body.email, request.client.host if request.client else None)
    issued = await service.request_password_reset(session, body.email)
    if issued is not None:
        user, token = issued
        mail_in = user.locale or language
        background.add_task(emails.send_password_reset, user.email, token, mail_in)
    return {"detail": "If an account exists for this email, a reset link is on its way."}


@router.post(
    "/auth/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(400),
)
async def confirm_password_reset(body: PasswordResetConfirmIn, session: SessionDep) -> Response:
    await service.reset_password(session, body.token, body.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/users/me", response_model=UserOut, responses=errors(401))
async def read_me(user: CurrentUser) -> User:
    return user


@router.patch("/users/me", response_model=UserOut, responses=errors(401))
async def update_me(body: ProfileUpdate, user: CurrentUser, session: SessionDep) -> User:
    return await service.update_profile(
        session,
        user,
        full_name=body.full_name,
        locale=body.locale,
        fields=body.model_fields_set,
    )


@router.post("/users/me/password", responses=errors(400, 401))
async def change_password(
    body: PasswordChangeIn, user: CurrentUser, session: SessionDep
) -> TokenOut:
    """Change the password. Every other session ends; the answer carries a fresh one."""
    await service.change_password(session, user, body.current_password, body.new_password)
    return _token_out(await tokens.issue_tokens(session, user))


@router.get("/users", response_model=UserPage, responses=errors(401, 403))
async def list_users(
    _staff: StaffUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    q: Annotated[str | None, Query(max_length=320, description="Part of the email.")] = None,
    role: Role | None = None,
) -> UserPage:
    if q is not None and (problem := text_problem(q)) is not None:
        raise Unprocessable([{"loc": ["query", "q"], "msg": problem, "type": "value_error"}])
    users, total = await service.list_users(session, limit=limit, offset=offset, q=q, role=role)
    return UserPage(
        items=[UserOut.model_validate(u) for u in users], total=total, limit=limit, offset=offset
    )


@router.patch(
    "/users/{user_id}",
    response_model=UserOut,
    responses=errors(401, 403, 404, 409, 422),
)
async def admin_update_user(
    user_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: AdminUserUpdate,
    admin: AdminUser,
    session: SessionDep,
) -> User:
    user = await service.admin_update_user(
        session, admin, user_id, role=body.role, is_active=body.is_active
    )
    if body.email is not None:
        await service.admin_change_email(session, user, str(body.email))
    return user
