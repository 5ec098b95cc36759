"""Users: creation, lookup, authentication, profile and password changes, staff management.

Services take the request's session and only flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts import emails, security, sessions, tokens
from vitrina.accounts.email_address import normalize_email, skeleton
from vitrina.accounts.models import EmailChangeRequest, Role, User
from vitrina.accounts.passwords import password_weakness
from vitrina.audit import service as audit
from vitrina.errors import BadRequest, Conflict, NotFound, Unauthorized, Unprocessable
from vitrina.kit.after_commit import after_commit
from vitrina.kit.clock import utcnow

INVALID_CREDENTIALS = "Incorrect email or password."
DUPLICATE_EMAIL = "An account with this email address already exists."
LOOK_ALIKE_EMAIL = "An account with an email address that looks the same already exists."
DEMO_ACCOUNTS: tuple[tuple[Role, str, str, str], ...] = (
    (Role.ADMIN, "staff@example.com", "staff-demo-1", "Demo Staff"),
    (Role.CUSTOMER, "customer@example.com", "customer-demo-1", "Demo Customer"),
)


def field_error(field: str, message: str) -> Unprocessable:
    """A 422 shaped like FastAPI's validation errors, for checks that need the database."""
    return Unprocessable([{"loc": ["body", field], "msg": message, "type": "value_error"}])


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    result = await session.execute(select(User).where(User.email == normalize_email(email)))
    return result.scalar_one_or_none()


async def email_taken(
    session: AsyncSession, email: str, *, other_than: int | None = None
) -> str | None:
    """Why `email` cannot be used for a(nother) account: taken, or a look-alike of one."""
    email = normalize_email(email)
    query = select(User.email).where(
        (User.email == email) | (User.email_skeleton == skeleton(email))
    )
    if other_than is not None:
        query = query.where(User.id != other_than)
    existing = (await session.scalars(query.limit(2))).all()
    if not existing:
        return None
    return DUPLICATE_EMAIL if email in existing else LOOK_ALIKE_EMAIL


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    full_name: str = "",
    role: Role = Role.CUSTOMER,
) -> User:
    """A new user with a bcrypt-hashed password; 409 if the email (any case, or a look-alike
    of it) is taken."""
    email = normalize_email(email)
    for field, value in (("email", email), ("password", password), ("full_name", full_name)):
        if (problem := security.text_problem(value)) is not None:
            raise field_error(field, problem)
    if (taken := await email_taken(session, email)) is not None:
        raise Conflict(taken, field="email")
    if (problem := password_weakness(password, email, [full_name])) is not None:
        raise field_error("password", problem)
    user = User(
        email=email,
        email_skeleton=skeleton(email),
        password_hash=await security.hash_password(password),
        full_name=full_name.strip(),
        role=role,
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent registration won the race
        raise Conflict(DUPLICATE_EMAIL, field="email") from exc
    return user


async def authenticate(session: AsyncSession, email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Always runs one bcrypt check."""
    user = None if security.text_problem(email) else await get_user_by_email(session, email)
    password_hash = user.password_hash if user is not None else None
    if not await security.verify_password(password, password_hash):
        return None
    assert user is not None
    return user if user.is_active else None


async def set_password(session: AsyncSession, user: User, new_password: str) -> None:
    """Replace the password; every session, access and refresh token stops working."""
    problem = password_weakness(new_password, user.email, [user.full_name])
    if problem is not None:
        raise field_error("new_password", problem)
    user.password_hash = await security.hash_password(new_password)
    user.password_changed_at = utcnow()
    await sessions.end_all_sessions(session, user)


async def change_password(
    session: AsyncSession, user: User, current_password: str, new_password: str
) -> None:
    if not await security.verify_password(current_password, user.password_hash):
        raise BadRequest("The current password is incorrect.")
    if current_password == new_password:
        raise field_error("new_password", "The new password must differ from the current one.")
    await set_password(session, user, new_password)


async def update_profile(
    session: AsyncSession,
    user: User,
    *,
    full_name: str | None,
    locale: str | None,
    fields: set[str],
) -> User:
    """Apply the fields the client sent (`fields`); None clears `locale`."""
    if "full_name" in fields and full_name is not None:
        user.full_name = full_name.strip()
    if "locale" in fields:
        user.locale = locale
    await session.flush()
    return user


async def user_from_access_claims(session: AsyncSession, claims: security.AccessClaims) -> User:
    """The user behind a valid access token, refusing deleted, inactive and ended sessions."""
    user = await sessions.session_user(
        session, claims.user_id, claims.session_id, claims.session_version
    )
    if user is None:
        raise Unauthorized("Could not validate credentials.")
    return user


async def account_from_access_claims(
    session: AsyncSession, claims: security.AccessClaims
) -> sessions.SignedIn:
    """`user_from_access_claims` as a plain row (`sessions.SignedIn`)."""
    account = await sessions.session_account(
        session, claims.user_id, claims.session_id, claims.session_version
    )
    if account is None:
        raise Unauthorized("Could not validate credentials.")
    return account


async def list_users(
    session: AsyncSession,
    *,
    limit: int,
    offset: int,
    q: str | None = None,
    role: Role | None = None,
) -> tuple[Sequence[User], int]:
    query = select(User)
    if q:
        query = query.where(User.email.contains(q.strip().lower(), autoescape=True))
    if role is not None:
        query = query.where(User.role == role)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(User.id).limit(limit).offset(offset))
    return rows.all(), total or 0


async def admin_change_email(session: AsyncSession, user: User, new_email: str) -> str | None:
    """Staff set the account's email: the same normalisation and look-alike refusal as the
    customer's own change, no confirmation link (staff act on the customer's word), and the
    previous address is told once the change is committed. Returns the previous address, or
    None when the email is the same. A change link the customer asked for earlier stops
    working, so it cannot undo this one."""
    new_email = normalize_email(new_email)
    if (problem := security.text_problem(new_email)) is not None:
        raise field_error("email", problem)
    if new_email == user.email:
        return None
    if (taken := await email_taken(session, new_email, other_than=user.id)) is not None:
        raise Conflict(taken, field="email")
    previous, language = user.email, user.locale
    user.email, user.email_skeleton = new_email, skeleton(new_email)
    await tokens.retire_open(session, EmailChangeRequest, user.id)
    await session.flush()
    after_commit(session, lambda: emails.send_email_changed_notice(previous, new_email, language))
    return previous


async def admin_update_user(
    session: AsyncSession,
    actor: User,
    user_id: int,
    *,
    role: Role | None = None,
    is_active: bool | None = None,
) -> User:
    """Change a user's role or active flag. Admins cannot lock themselves out."""
    user = await get_user(session, user_id)
    if user is None:
        raise NotFound("User not found.")
    if user.id == actor.id and ((role is not None and role != Role.ADMIN) or is_active is False):
        raise Conflict("You cannot remove your own admin role or deactivate yourself.")
    before = {"role": user.role.value, "is_active": user.is_active}
    if role is not None:
        user.role = role
    if is_active is not None:
        user.is_active = is_active
        if not is_active:
            await sessions.end_all_sessions(session, user)
    after = {"role": user.role.value, "is_active": user.is_active}
    if after != before:
        audit.record(session, actor, "user.update", user, before, after)
    await session.flush()
    return user


async def ensure_staff(
    session: AsyncSession, *, email: str, password: str, full_name: str, admin: bool
) -> tuple[User, bool]:
    """Create a staff/admin account, or promote an existing user and set its password.

    Returns the user and whether it was created.
    """
    role = Role.ADMIN if admin else Role.STAFF
    user = await get_user_by_email(session, email)
    if user is None:
        return (
            await create_user(
                session, email=email, password=password, full_name=full_name, role=role
            ),
            True,
        )
    if user.role != Role.ADMIN:
        user.role = role
    if full_name:
        user.full_name = full_name.strip()
    user.is_active = True
    await set_password(session, user, password)
    return user, False


async def ensure_demo_accounts(session: AsyncSession) -> list[tuple[str, str, str]]:
    """Demo staff (admin) and customer accounts, created if missing: (role, email, password)."""
    accounts: list[tuple[str, str, str]] = []
    for role, email, password, full_name in DEMO_ACCOUNTS:
        if await get_user_by_email(session, email) is None:
            await create_user(
                session, email=email, password=password, full_name=full_name, role=role
            )
        accounts.append((role.value, email, password))
    return accounts


async def request_password_reset(session: AsyncSession, email: str) -> tuple[User, str] | None:
    """A reset token for an active account with this email; None (silently) otherwise."""
    user = await get_user_by_email(session, email)
    if user is None or not user.is_active:
        return None
    return user, await tokens.create_password_reset(session, user)


async def reset_password(session: AsyncSession, raw_token: str, new_password: str) -> User:
    user = await tokens.redeem_password_reset(session, raw_token)
    await set_password(session, user, new_password)
    return user
