"""Deleting an account: only one that never bought anything (orders keep their customer,
ON DELETE RESTRICT, so the database refuses otherwise); deactivate the others."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts.models import User
from vitrina.errors import Conflict, NotFound


async def delete_user(session: AsyncSession, actor: User, user_id: int) -> None:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("User not found.")
    if user.id == actor.id:
        raise Conflict("You cannot delete your own account.")
    try:
        async with session.begin_nested():
            await session.delete(user)
            await session.flush()
    except IntegrityError as exc:
        raise Conflict("This customer has orders and cannot be deleted; deactivate them.") from exc
