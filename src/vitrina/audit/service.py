"""The audit log: who changed what, from which state to which.

`record` only adds a row to the caller's session, so the entry is committed (or rolled back)
together with the change it describes. It accepts a sync `Session` too, because the admin
records changes from SQLAlchemy flush events, which run on the sync session.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from vitrina.accounts.models import User
from vitrina.audit.models import AuditEntry
from vitrina.kit.clock import utcnow

Snapshot = dict[str, Any] | None
SKIPPED_COLUMNS = frozenset({"password_hash", "created_at", "updated_at"})


def jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def snapshot(obj: Any) -> dict[str, Any]:
    """The column values of a mapped object, JSON-ready, without secrets."""
    mapper = sa_inspect(obj).mapper
    return {
        attr.key: jsonable(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in SKIPPED_COLUMNS
    }


def entity_name(obj: Any) -> str:
    return str(sa_inspect(obj).mapper.class_.__name__)


def entity_id(obj: Any) -> str:
    """The primary key as text; read from the attributes, so it is known right after a flush."""
    key = sa_inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(part) for part in key)


def record(
    session: AsyncSession | Session,
    actor: User | int | None,
    action: str,
    entity: Any,
    before: Snapshot,
    after: Snapshot,
) -> AuditEntry:
    """Add an audit entry for `entity` (a mapped object, or an ("Type", id) pair).

    `before`/`after` are JSON-ready snapshots (see `snapshot`); None for a creation's before
    or a deletion's after. Only the keys that changed are kept for updates.
    """
    if isinstance(entity, tuple):
        entity_type, entity_key = str(entity[0]), str(entity[1])
    else:
        entity_type, entity_key = entity_name(entity), entity_id(entity)
    if before is not None and after is not None:
        changed = {key for key in after if before.get(key) != after.get(key)}
        before = {key: before.get(key) for key in sorted(changed)}
        after = {key: after[key] for key in sorted(changed)}
    entry = AuditEntry(
        actor_id=actor.id if isinstance(actor, User) else actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_key,
        before=before,
        after=after,
        created_at=utcnow(),
    )
    session.add(entry)
    return entry
