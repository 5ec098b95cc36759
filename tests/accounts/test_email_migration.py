"""The accounts migration normalises stored emails and gives each its look-alike skeleton,
without failing on accounts that already look alike (SQLite file: the same code runs on
PostgreSQL in the suite's own database build)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from vitrina import schema

BEFORE = "20261204_emulator"
INSERT = (
    "INSERT INTO users (id, email, password_hash, full_name, role, is_active, created_at,"
    " updated_at) VALUES (?, ?, 'x', '', 'customer', 1, '2026-01-01 00:00:00',"
    " '2026-01-01 00:00:00')"
)


def test_existing_emails_are_normalised_and_look_alikes_keep_working(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    schema.upgrade(url, BEFORE)
    with sqlite3.connect(path) as db:
        db.execute(INSERT, (1, "anna@example.com"))
        db.execute(INSERT, (2, "\u0430nna@example.com"))  # registered before the check
        db.execute(INSERT, (3, "ＢＯＲＩＳ@example.com"))
    schema.upgrade(url)
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT id, email, email_skeleton, session_version FROM users ORDER BY id"
        ).fetchall()
    assert rows == [
        (1, "anna@example.com", "anna@example.com", 1),
        (2, "\u0430nna@example.com", None, 1),
        (3, "boris@example.com", "boris@example.com", 1),
    ]
    schema.downgrade(url, BEFORE)
