"""Every change made through the admin's sessions lands in the audit log, in the same commit.

The admin writes through `admin_sessions()`, whose sync session class listens to its own
flushes: after each flush it notes what was created, changed or deleted (attribute history
still holds the old values then), and adds the audit rows, which the commit flushes with the
change. The acting staff member comes from a context variable set by the admin's
authentication for the current request; without one (no staff request) nothing is recorded.
`session.info["audit_action"]` names updates more precisely ("deactivate"); code that records
its own entries sets `session.info["audit_manual"]`.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, UOWTransaction

from vitrina.audit.models import AuditEntry
from vitrina.audit.service import (
    SKIPPED_COLUMNS,
    entity_id,
    entity_name,
    jsonable,
    record,
    snapshot,
)
from vitrina.db import db_helper

current_actor: ContextVar[int | None] = ContextVar("vitrina_admin_actor", default=None)

Pending = tuple[str, tuple[str, str], dict[str, Any] | None, dict[str, Any] | None]


class AdminSession(Session):
    """The admin's sync session: its flushes are audited."""


def _identity(obj: Any) -> tuple[str, str]:
    return entity_name(obj), entity_id(obj)


def _before(obj: Any) -> dict[str, Any]:
    state = sa_inspect(obj)
    values: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in SKIPPED_COLUMNS:
            continue
        history = state.attrs[attr.key].history
        old = history.deleted[0] if history.deleted else getattr(obj, attr.key)
        values[attr.key] = jsonable(old)
    return values


@event.listens_for(AdminSession, "after_flush")
def _collect(session: Session, _context: UOWTransaction) -> None:
    if current_actor.get() is None or session.info.get("audit_manual"):
        return
    pending: list[Pending] = session.info.setdefault("audit_pending", [])
    for obj in session.new:
        if not isinstance(obj, AuditEntry):
            pending.append(("create", _identity(obj), None, snapshot(obj)))
    for obj in session.dirty:
        if isinstance(obj, AuditEntry) or not session.is_modified(obj):
            continue
        before, after = _before(obj), snapshot(obj)
        if before != after:
            action = str(session.info.get("audit_action", "update"))
            pending.append((action, _identity(obj), before, after))
    for obj in session.deleted:
        pending.append(("delete", _identity(obj), _before(obj), None))


@event.listens_for(AdminSession, "after_flush_postexec")
def _write(session: Session, _context: UOWTransaction) -> None:
    pending: list[Pending] = session.info.pop("audit_pending", [])
    actor = current_actor.get()
    for action, entity, before, after in pending:
        record(session, actor, action, entity, before, after)


_factory: tuple[int, async_sessionmaker[AsyncSession]] | None = None


def admin_sessions() -> async_sessionmaker[AsyncSession]:
    """Sessions on the store's engine whose changes are audited (made once per engine)."""
    global _factory
    engine = db_helper.engine
    if _factory is None or _factory[0] != id(engine):
        maker = async_sessionmaker(engine, expire_on_commit=False, sync_session_class=AdminSession)
        _factory = (id(engine), maker)
    return _factory[1]
