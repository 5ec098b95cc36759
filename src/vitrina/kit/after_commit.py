"""Work that must wait until a session's transaction has committed (a mail naming a token
written in it): run as a task when the outermost transaction commits, dropped on rollback."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

Job = Callable[[], Awaitable[None]]
PENDING_KEY = "vitrina.after_commit"
_tasks: set[asyncio.Task[None]] = set()


def after_commit(session: AsyncSession, job: Job) -> None:
    sync = session.sync_session
    sync.info.setdefault(PENDING_KEY, []).append(job)
    if not event.contains(sync, "after_commit", _run_pending):
        event.listen(sync, "after_commit", _run_pending)
        event.listen(sync, "after_soft_rollback", _drop_pending)


def _run_pending(sync: Session) -> None:
    jobs: list[Job] = sync.info.pop(PENDING_KEY, [])
    loop = asyncio.get_running_loop() if jobs else None
    for job in jobs:
        assert loop is not None
        task = loop.create_task(_run(job))
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)


async def _run(job: Job) -> None:
    await job()


def _drop_pending(sync: Session, previous: SessionTransaction) -> None:
    if not previous.nested:
        sync.info.pop(PENDING_KEY, None)


async def wait_for_after_commit_jobs() -> None:
    """Wait until every job scheduled so far has run (tests, shutdown)."""
    if _tasks:
        await asyncio.wait(list(_tasks))
