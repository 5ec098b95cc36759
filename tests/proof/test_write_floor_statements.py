"""The write floors (bench/write_floor.py) run the store's statements: the same number for a
basket update, a checkout (new and handed back) and a webhook -> order (and its replay), so
the benchmark's ratios compare like with like. A change to the store's write path that the
floor does not follow fails here; `python -m bench.write_statements --sql` shows both sides."""

from __future__ import annotations

import httpx
import pytest
from bench.write_statements import compare

from vitrina.config import Settings

pytestmark = pytest.mark.postgres_only


async def test_the_floors_run_the_stores_statements(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    counted = await compare(client, settings)
    assert [row.request for row in counted] == [
        "basket update (a line of two changed)",
        "checkout, new session",
        "checkout, the open session handed back",
        "webhook -> order",
        "webhook replayed",
    ]
    differ = {row.request: (len(row.store), len(row.floor)) for row in counted if not row.same}
    assert not differ, differ
