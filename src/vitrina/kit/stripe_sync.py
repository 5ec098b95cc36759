"""Columns that tie a local row to the Stripe objects derived from it.

The row itself is the sync intent: every change that Stripe must learn about bumps
`sync_version` in the same transaction as the change; a worker brings Stripe up to that version
and records it in `synced_version`. Nothing can be lost between the two, and a later change
simply supersedes an earlier one that was never delivered. A hard-deleted row leaves its
intent in a tombstone (`vitrina.payments.sync.models.StripeTombstone`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column


class SyncState(StrEnum):
    SYNCED = "synced"
    PENDING = "pending"
    FAILED = "failed"


class StripeSyncMixin:
    sync_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    synced_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sync_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sync_error: Mapped[str | None] = mapped_column(Text, default=None)
    sync_next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    synced_at: Mapped[datetime | None] = mapped_column(default=None)
    stripe_id: Mapped[str | None] = mapped_column(String(255), default=None)

    def mark_for_sync(self) -> None:
        """Record, with the change being made, that Stripe must catch up with this row.

        The increment happens in Python: call it on a row locked and read in this transaction
        (`SELECT ... FOR [NO KEY] UPDATE`), so concurrent changes get distinct versions.
        """
        self.sync_version = (self.sync_version or 1) + 1
        self.sync_attempts = 0
        self.sync_error = None
        self.sync_next_attempt_at = None

    @property
    def sync_state(self) -> SyncState:
        return sync_state_of(self.sync_version, self.synced_version, self.sync_error)


def sync_state_of(sync_version: int, synced_version: int, sync_error: str | None) -> SyncState:
    """Where a row stands with Stripe, from its sync columns."""
    if synced_version >= sync_version:
        return SyncState.SYNCED
    return SyncState.FAILED if sync_error else SyncState.PENDING
