"""A request that finds every pooled connection busy waits `DATABASE_POOL_TIMEOUT` seconds,
then is answered 503 (the error is one of those the store renders as "database unavailable")."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from vitrina.config import Settings
from vitrina.db import make_engine
from vitrina.errors import DATABASE_UNAVAILABLE

pytestmark = pytest.mark.postgres_only  # SQLite has no connection pool to exhaust


async def test_a_full_pool_gives_up_after_the_configured_wait(database_url: str) -> None:
    engine = make_engine(database_url, pool_size=1, pool_timeout=0.3)
    try:
        async with engine.connect() as held:
            await held.execute(text("SELECT 1"))
            started = time.monotonic()
            with pytest.raises(sa_exc.TimeoutError) as refused:
                async with engine.connect():
                    pass
            waited = time.monotonic() - started
        assert 0.25 <= waited < 5
        assert isinstance(refused.value, DATABASE_UNAVAILABLE)
    finally:
        await engine.dispose()


def test_the_wait_is_a_positive_setting() -> None:
    assert Settings(_env_file=None).database_pool_timeout == 5.0  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="greater than 0"):
        Settings(_env_file=None, database_pool_timeout=0)  # type: ignore[call-arg]
