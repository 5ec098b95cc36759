"""A CSV import run in the background, with progress a page can poll.

Staff upload a file: a `catalog_imports` row is written (queued) and, once that commits, the
import runs as a task of the process that took the upload, in one transaction of its own
(all rows or none, as the synchronous import). Its progress lives in that process's memory
while it runs and, on PostgreSQL, is copied to the row about twice a second by a short
transaction of its own, so a poll answered by any process, or a reloaded page, sees it.
On SQLite the import holds the database's one write lock until it commits, so progress is
kept in memory only (one process serves an SQLite store). The outcome (counts, every bad
line) is written to the row when the import ends, so it survives restarts too.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import secrets
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vitrina.catalog.csv_formats import import_products
from vitrina.catalog.import_models import CatalogImport
from vitrina.catalog.schemas import ImportJobOut
from vitrina.errors import NotFound
from vitrina.kit.after_commit import after_commit
from vitrina.kit.clock import utcnow

log = structlog.get_logger(__name__)
PERSIST_EVERY = 0.5
"""Seconds between two copies of the progress to the row (PostgreSQL)."""


@dataclass
class Live:
    """The progress of an import running in this process."""

    done: int
    total: int

    def update(self, done: int, total: int) -> None:
        self.done, self.total = done, total


_live: dict[str, Live] = {}


def out(job: CatalogImport) -> ImportJobOut:
    live = _live.get(job.id)
    done, total = (live.done, live.total) if live else (job.rows_done, job.rows_total)
    if job.status == "done":
        done = total
    return ImportJobOut(
        id=job.id,
        status=job.status,
        filename=job.filename,
        rows_done=done,
        rows_total=total,
        percent=100 if job.status == "done" else min(99, done * 100 // total) if total else 0,
        created=job.created,
        updated=job.updated,
        errors=job.errors or [],
        message=job.message,
        finished=job.status in ("done", "failed"),
    )


async def get_import(session: AsyncSession, job_id: str) -> CatalogImport:
    job = await session.get(CatalogImport, job_id[:32], populate_existing=True)
    if job is None:
        raise NotFound("No such import.")
    return job


async def start_import(
    session: AsyncSession,
    factory: async_sessionmaker[AsyncSession],
    text: str,
    *,
    filename: str,
    staff_id: int | None,
) -> CatalogImport:
    """Record the import (queued) and run it once this session commits."""
    job = CatalogImport(
        id=secrets.token_hex(16),
        staff_id=staff_id,
        filename=filename[:300],
        rows_total=max(text.count("\n") - 1, 1),
        errors=[],
    )
    session.add(job)
    await session.flush()
    job_id = job.id

    async def run() -> None:
        await run_import(factory, job_id, text)

    after_commit(session, run)
    return job


async def _set(factory: async_sessionmaker[AsyncSession], job_id: str, **values: Any) -> None:
    async with factory() as session:
        await session.execute(
            update(CatalogImport)
            .where(CatalogImport.id == job_id)
            .values(updated_at=utcnow(), **values)
        )
        await session.commit()


async def _persist(
    factory: async_sessionmaker[AsyncSession], job_id: str, live: Live, stop: asyncio.Event
) -> None:
    """Copy the live progress to the row while it changes (PostgreSQL only), until `stop`."""
    seen = (-1, -1)
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PERSIST_EVERY)
        if not stop.is_set() and (live.done, live.total) != seen:
            seen = (live.done, live.total)
            await _set(factory, job_id, rows_done=live.done, rows_total=live.total)


async def run_import(factory: async_sessionmaker[AsyncSession], job_id: str, text: str) -> None:
    """Import `text` in one transaction and record how it ended."""
    live = _live[job_id] = Live(done=0, total=max(text.count("\n") - 1, 1))
    stop = asyncio.Event()
    persisting = None
    try:
        await _set(factory, job_id, status="running")
        async with factory() as session:
            if session.get_bind().dialect.name == "postgresql":
                persisting = asyncio.create_task(_persist(factory, job_id, live, stop))
            report = await import_products(
                session, io.StringIO(text, newline=""), progress=live.update
            )
            if report.errors:
                await session.rollback()
            else:
                await session.commit()
        await _stop(persisting, stop)
        await _set(
            factory,
            job_id,
            status="failed" if report.errors else "done",
            rows_done=live.done,
            rows_total=report.rows,
            created=report.created,
            updated=report.updated,
            errors=[error.model_dump() for error in report.errors],
            message=f"{len(report.errors)} bad rows; nothing was imported."
            if report.errors
            else None,
            finished_at=utcnow(),
        )
    except Exception as exc:
        log.exception("catalog import failed", job_id=job_id)
        await _set(
            factory,
            job_id,
            status="failed",
            message=f"The import stopped ({type(exc).__name__}); nothing was imported.",
            finished_at=utcnow(),
        )
    finally:
        await _stop(persisting, stop)
        _live.pop(job_id, None)


async def _stop(persisting: asyncio.Task[None] | None, stop: asyncio.Event) -> None:
    stop.set()
    if persisting is not None and not persisting.done():
        await asyncio.gather(persisting, return_exceptions=True)
