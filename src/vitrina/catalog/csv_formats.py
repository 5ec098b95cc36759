"""The CSV import's one entry: a file with a `handle` column has one row per variant
(`csv_variant_import.py`), any other one row per product (`csv_import.py`, the format
from before variants, still read)."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.csv_import import Progress, import_product_rows
from vitrina.catalog.csv_variant_import import import_variant_rows
from vitrina.catalog.csv_variant_rows import is_variant_header
from vitrina.catalog.schemas import ImportReport


async def import_products(
    session: AsyncSession, lines: Iterable[str], *, progress: Progress | None = None
) -> ImportReport:
    """Validate every row; if all are good, write them all (flushes, never commits)."""
    rest = iter(lines)
    first = next(rest, "")
    again = itertools.chain([first], rest)
    if is_variant_header(next(csv.reader([first]), [])):
        return await import_variant_rows(session, again, progress=progress)
    return await import_product_rows(session, again, progress=progress)
