"""Connections killed under the app (a PostgreSQL restart, a failover): a fast 503, never a
500, and the very next request is served again without restarting anything."""

from __future__ import annotations

import httpx
import pytest

from fixtures.servers import kill_connections_to

pytestmark = pytest.mark.postgres_only


async def test_lost_connections_answer_503_then_recover(
    client: httpx.AsyncClient, database_url: str
) -> None:
    for _ in range(3):  # fill the pool with live connections
        assert (await client.get("/api/v1/products")).status_code == 200
    assert await kill_connections_to(database_url) >= 1

    after = [await client.get("/api/v1/products") for _ in range(3)]
    statuses = [response.status_code for response in after]
    assert 500 not in statuses
    for response in after:
        if response.status_code == 503:
            assert response.headers["retry-after"]
            assert "unavailable" in response.json()["detail"]
    assert statuses[1:] == [200, 200]  # the whole pool was invalidated by the first failure
    assert (await client.get("/readyz")).status_code == 200
