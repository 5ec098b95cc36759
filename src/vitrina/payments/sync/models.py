"""Which worker is delivering which row, until when (see docs/stripe-sync.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from vitrina.db import Base


class SyncLease(Base):
    """A worker's claim on one row's delivery. Staff edits never touch this table, so they
    are not blocked while a worker talks to Stripe; a killed worker's lease simply expires."""

    __tablename__ = "stripe_sync_leases"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    row_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
