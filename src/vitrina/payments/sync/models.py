"""Which worker is delivering which row, until when; and deletions Stripe must still learn
(see docs/stripe-sync.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vitrina.db import Base
from vitrina.kit.clock import utcnow


class SyncLease(Base):
    """A worker's claim on one row's delivery. Staff edits never touch this table, so they
    are not blocked while a worker talks to Stripe; a killed worker's lease simply expires.

    A released lease is kept, expired: its presence records that a delivery of that row was
    attempted, so Stripe may hold the object even if the row never learnt its `stripe_id`
    (a lost response, a killed worker). Deleting a product relies on that.
    """

    __tablename__ = "stripe_sync_leases"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    row_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]


class StripeTombstone(Base):
    """The sync intent of a row that was deleted: "archive this Stripe object".

    Written in the transaction that deletes the row (the row can no longer carry the intent
    itself), delivered by the sync worker like any due row, then kept with `done_at` set.
    """

    __tablename__ = "stripe_tombstones"
    __table_args__ = (Index("ix_stripe_tombstones_due", "done_at", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    local_id: Mapped[int] = mapped_column(Integer)
    stripe_id: Mapped[str] = mapped_column(String(255))
    stripe_price_id: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
