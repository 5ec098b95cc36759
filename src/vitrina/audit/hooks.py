"""Staff changes land in the audit log by themselves, in the same commit as the change.

Any session whose `info["audit_actor"]` names a staff user (the API's `StaffUser` dependency
sets it; the admin sets `current_actor` for its request) is audited: after each flush the
created, changed and deleted rows are noted (attribute history still holds the old values
then) and audit rows are added, which the commit writes with the change. Without an actor
nothing is recorded. `session.info["audit_action"]` names updates more precisely
("deactivate"); code that records its own entries sets `session.info["audit_manual"]`.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
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

current_actor: ContextVar[int | None] = ContextVar("vitrina_audit_actor", default=None)

Pending = tuple[str, tuple[str, str], dict[str, Any] | None, dict[str, Any] | None]


def audit_changes_by(session: AsyncSession, actor_id: int) -> None:
    """From now on, what this session writes is audited as done by `actor_id`."""
    session.info["audit_actor"] = actor_id


def _actor(session: Session) -> int | None:
    actor = session.info.get("audit_actor")
    return int(actor) if actor is not None else current_actor.get()


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


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _context: UOWTransaction) -> None:
    if _actor(session) is None or session.info.get("audit_manual"):
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


@event.listens_for(Session, "after_flush_postexec")
def _write(session: Session, _context: UOWTransaction) -> None:
    pending: list[Pending] = session.info.pop("audit_pending", [])
    actor = _actor(session)
    for action, entity, before, after in pending:
        record(session, actor, action, entity, before, after)
