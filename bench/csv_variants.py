"""How fast the CSV of one row per variant imports on PostgreSQL (issue 17: 100k variant rows
in under a minute), against a raw COPY of the same bytes in the same run.

Builds a scratch database on the machine's PostgreSQL at the newest revision, writes a file
of N variant rows (products of 5 sizes x 2 colours, so N/10 products), then times:
- the floor: `COPY` of the file into a table of text columns (PostgreSQL reading the bytes,
  no checks, no keys);
- the import of the file into the empty catalogue (every product, option, value and
  variant new), committed;
- the export, and the import of that export read back (every row matched, nothing to
  change), committed;
- the import of the export with every price changed (every variant updated), committed.

    .venv/bin/python -m bench.csv_variants --rows 100000
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import secrets
import time
from collections.abc import Awaitable, Callable

import asyncpg

from bench.postgres import run_sql

ADMIN_DSN = os.environ.get("VITRINA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SIZES = ("XS", "S", "M", "L", "XL")
COLOURS = ("black", "white")
HEADER = [
    "handle", "name_en", "name_ru", "description_en", "category", "option1_name", "option1_value",
    "option2_name", "option2_value", "variant_sku", "variant_price", "variant_stock",
    "variant_is_active",
]  # fmt: skip


def variant_file(rows: int) -> str:
    """N rows: products of 10 variants each, product columns on each product's first row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for n in range(rows):
        product, index = divmod(n, len(SIZES) * len(COLOURS))
        size, colour = SIZES[index % len(SIZES)], COLOURS[index // len(SIZES)]
        first = index == 0
        writer.writerow(
            [
                f"shirt-{product}",
                f"Shirt {product}" if first else "",
                f"Рубашка {product}" if first else "",
                "Cotton, washed." if first else "",
                "bench" if first else "",
                "Size" if first else "",
                size,
                "Colour" if first else "",
                colour,
                f"SH-{product}-{size}-{colour}",
                1000 + (n % 5000),
                n % 40,
                "true",
            ]
        )
    return out.getvalue()


def with_new_prices(text: str) -> str:
    rows = list(csv.DictReader(io.StringIO(text)))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "variant_price": int(row["variant_price"]) + 1})
    return out.getvalue()


async def copy_floor(dsn: str, text: str) -> float:
    """COPY of the same bytes into a table of text columns: what the import cannot beat."""
    conn = await asyncpg.connect(dsn)
    try:
        columns = ", ".join(f'"{c}" text' for c in HEADER)
        await conn.execute(f"CREATE TABLE csv_floor ({columns})")
        started = time.perf_counter()
        await conn.copy_to_table(
            "csv_floor", source=io.BytesIO(text.encode()), format="csv", header=True
        )
        return time.perf_counter() - started
    finally:
        await conn.close()


async def timed(label: str, rows: int, work: Callable[[], Awaitable[object]]) -> float:
    started, cpu = time.perf_counter(), time.process_time()
    result = await work()
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"{label:<40} {took:7.2f} s  {rows / took:10,.0f} rows/s  (CPU {cpu:.1f} s)  {result}")
    return took


async def run(url: str, dsn: str, rows: int) -> None:
    from vitrina.catalog.csv_export import export_csv
    from vitrina.catalog.csv_formats import import_products
    from vitrina.db import DataBaseHelper

    await run_sql(
        dsn,
        "INSERT INTO categories (name, slug, description, position, created_at, updated_at) "
        "VALUES ('Bench', 'bench', '', 0, now(), now())",
    )
    text = variant_file(rows)
    print(f"{rows:,} variant rows ({rows // 10:,} products), {len(text) / 1e6:.1f} MB")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    floor = await copy_floor(dsn, text)
    print(f"{'floor: COPY of the same bytes':<40} {floor:7.2f} s  {rows / floor:10,.0f} rows/s")
    helper = DataBaseHelper(url)

    async def load(content: str) -> str:
        async with helper.session_factory() as session:
            report = await import_products(session, io.StringIO(content, newline=""))
            assert not report.errors, report.errors[:3]
            await session.commit()
        return f"created {report.created:,}, updated {report.updated:,}"

    async def export() -> str:
        parts = [part async for part in export_csv(helper.session_factory)]
        exported.append("".join(parts))
        return f"{len(exported[0]) / 1e6:.1f} MB"

    exported: list[str] = []
    try:
        created = await timed("import, all new", rows, lambda: load(text))
        await timed("export", rows, export)
        again = await timed("import of the export, unchanged", rows, lambda: load(exported[0]))
        repriced = with_new_prices(exported[0])
        changed = await timed("import, every price changed", rows, lambda: load(repriced))
    finally:
        await helper.dispose()
    for label, took in (("new", created), ("unchanged", again), ("repriced", changed)):
        print(f"import {label}: {took / floor:.1f}x the COPY floor; bound 60 s: {took < 60}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    name = f"vitrina_csv_bench_{secrets.token_hex(3)}"
    dsn = f"{ADMIN_DSN.rsplit('/', 1)[0]}/{name}"
    url = dsn.replace("postgresql://", "postgresql+asyncpg://")
    os.environ["DATABASE_URL"] = url
    from vitrina import schema

    asyncio.run(run_sql(ADMIN_DSN, f'CREATE DATABASE "{name}"'))
    try:
        schema.upgrade(url, "head")
        asyncio.run(run(url, dsn, args.rows))
    finally:
        asyncio.run(run_sql(ADMIN_DSN, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
