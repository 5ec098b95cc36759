"""The admin's sessions: their changes are audited (see `vitrina.audit.hooks`), as done by
the staff member the admin's authentication puts in `current_actor` for the request."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from vitrina.audit.hooks import current_actor
from vitrina.db import db_helper

__all__ = ["AdminSession", "admin_sessions", "current_actor"]


class AdminSession(Session):
    """The admin's sync session (audited through `current_actor`)."""


_factory: tuple[int, async_sessionmaker[AsyncSession]] | None = None


def admin_sessions() -> async_sessionmaker[AsyncSession]:
    """Sessions on the store's engine whose changes are audited (made once per engine)."""
    global _factory
    engine = db_helper.engine
    if _factory is None or _factory[0] != id(engine):
        maker = async_sessionmaker(engine, expire_on_commit=False, sync_session_class=AdminSession)
        _factory = (id(engine), maker)
    return _factory[1]
