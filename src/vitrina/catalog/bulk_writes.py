"""Many rows written in few statements, for bulk writers (the CSV import).

On PostgreSQL new rows go in by `COPY` on the session's own connection (same transaction),
and changes by `COPY` into a temporary table followed by one `UPDATE ... FROM` it: a
round trip per statement instead of one per row (asyncpg's executemany sends each row's
bind and execute). Elsewhere (SQLite) both are executemany of one compiled statement, which
SQLite runs in process. Values must be of the columns' Python types (aware datetimes).
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Column, MetaData, Table, bindparam, insert, literal, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

CHUNK = 5000
ANALYZE_AFTER_ROWS = 1000
"""A write of at least this many rows refreshes the planner's statistics of its tables."""


def _is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def _driver(session: AsyncSession) -> Any:
    """The asyncpg connection under the session, its transaction begun (by SQLAlchemy)."""
    await session.execute(select(literal(1)))
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def insert_rows(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT every row (all with the same keys); defaults fill the columns not given."""
    if not rows:
        return
    if not _is_postgresql(session):
        for start in range(0, len(rows), CHUNK):
            await session.execute(insert(table), rows[start : start + CHUNK])
        return
    columns = list(rows[0])
    records = [tuple(row[c] for c in columns) for row in rows]
    driver = await _driver(session)
    await driver.copy_records_to_table(table.name, records=records, columns=columns)


async def update_rows(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """UPDATE the row of each `id` with the other values given (all rows the same keys)."""
    if not rows:
        return
    columns = [c for c in rows[0] if c != "id"]
    if not _is_postgresql(session):
        statement = update(table).where(table.c.id == bindparam("row_id"))
        renamed = [{**{c: row[c] for c in columns}, "row_id": row["id"]} for row in rows]
        for start in range(0, len(renamed), CHUNK):
            await session.execute(statement, renamed[start : start + CHUNK])
        return
    scratch = await copy_to_scratch(session, table, rows)
    await session.execute(
        update(table)
        .values({name: scratch.c[name] for name in columns})
        .where(table.c.id == scratch.c.id)
    )
    await drop_scratch(session, scratch)


async def copy_to_scratch(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> Table:
    """A temporary table (PostgreSQL) of `table`'s columns that `rows` give, filled by COPY;
    it goes at the transaction's end at the latest (`drop_scratch` drops it sooner)."""
    names = list(rows[0])
    scratch = Table(
        f"bulk_{table.name}_{secrets.token_hex(4)}",
        MetaData(),
        *(Column(name, table.c[name].type) for name in names),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )
    connection = await session.connection()
    await connection.run_sync(scratch.create)
    driver = await _driver(session)
    records = [tuple(row[c] for c in names) for row in rows]
    await driver.copy_records_to_table(scratch.name, records=records, columns=names)
    return scratch


async def drop_scratch(session: AsyncSession, scratch: Table) -> None:
    connection = await session.connection()
    await connection.run_sync(scratch.drop)


async def refresh_statistics(session: AsyncSession, tables: list[Table], rows: int) -> None:
    """ANALYZE the tables a bulk write of `rows` rows changed (PostgreSQL; in the write's own
    transaction, so the figures land with its commit).

    Until autovacuum analyses them (a minute or more later), the planner still sees the
    tables as they were: an import run right after a large one planned its lookups of 5,000
    SKUs as sequential scans of the new rows, 60-120 s instead of a few.
    """
    if rows < ANALYZE_AFTER_ROWS or not _is_postgresql(session):
        return
    preparer = session.get_bind().dialect.identifier_preparer
    names = ", ".join(preparer.format_table(table) for table in tables)
    await session.execute(text(f"ANALYZE {names}"))
