"""CPU per catalogue read, in-process: the store's app against the same SQL on bare asyncpg.

    .venv/bin/python -m bench.profile_reads [PATH ...] [--requests 2000] [--profile]
                                            [--src DIR]

Uses the catalogue `make bench` loaded into its private cluster (`vitrina_bench`). For each
path (default: the list, a one-variant product page, the product with most variants) it
times `--requests` GETs sent straight to the ASGI app (4 at a time, no HTTP client, no
server) with `time.process_time()`, then the statements that request ran (recorded with
`reads.recorded_statements()`) replayed on an asyncpg pool and turned into JSON, as
`bench/floor.py` does. Neither figure counts PostgreSQL, uvicorn or the load generator, so
the ratio is the store's own overhead over the floor's, steadier than wrk's req/s on a
shared machine (the benchmark's ratio is higher: uvicorn's HTTP work is common to both).
`--profile` prints cProfile's own time by package and the top functions of the store's side.
`--src` imports vitrina from another source tree (the folder holding `vitrina`), to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from bench.instructions import asgi_get
from bench.profiling import SRC_HELP, print_profile, use_source_tree

CONCURRENCY = 4
WARM_UP = 200


async def _timed(
    request: Callable[[], Awaitable[object]], requests: int, profiler: cProfile.Profile | None
) -> float:
    """CPU seconds per request, `CONCURRENCY` at a time."""

    async def run(count: int) -> None:
        for _ in range(count):
            await request()

    await asyncio.gather(*(run(WARM_UP // CONCURRENCY) for _ in range(CONCURRENCY)))
    started = time.process_time()
    if profiler:
        profiler.enable()
    await asyncio.gather(*(run(requests // CONCURRENCY) for _ in range(CONCURRENCY)))
    if profiler:
        profiler.disable()
    return (time.process_time() - started) / requests


async def _measure(paths: list[str], requests: int, profile: bool) -> None:
    from bench.write_floor import create_pool
    from vitrina.app import create_app
    from vitrina.config import get_settings
    from vitrina.db import db_helper
    from vitrina.reads import recorded_statements

    app = create_app()
    dsn = get_settings().database_url.replace("postgresql+asyncpg://", "postgresql://")
    pool = await create_pool(dsn, CONCURRENCY)  # the floor's own pool
    print(f"{'path':45} {'store ms CPU':>12} {'floor ms CPU':>12} {'ratio':>6}")
    try:
        for path in paths:
            await asgi_get(app, path)  # prepared statements, caches
            with recorded_statements() as statements:
                await asgi_get(app, path)
            recorded = list(statements)

            async def floor(recorded: list[tuple[str, tuple[Any, ...]]] = recorded) -> bytes:
                async with pool.acquire() as connection:
                    result = [
                        [dict(row) for row in await connection.fetch(sql, *arguments)]
                        for sql, arguments in recorded
                    ]
                return json.dumps(result, default=str).encode()

            profiler = cProfile.Profile() if profile else None
            store_cpu = await _timed(partial(asgi_get, app, path), requests, profiler)
            floor_cpu = await _timed(floor, requests, None)
            print(
                f"{path:45} {store_cpu * 1000:12.3f} {floor_cpu * 1000:12.3f} "
                f"{floor_cpu / store_cpu:6.0%}  ({len(recorded)} statements)"
            )
            if profiler:
                print_profile(profiler, functions=30)
    finally:
        await pool.close()
        await db_helper.dispose()


async def _default_paths() -> list[str]:
    """The list, the first product's page and the page of the product with most variants,
    as the benchmark reads them (bench/prepare.py)."""
    import asyncpg

    from vitrina.config import get_settings

    dsn = get_settings().database_url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(dsn)
    try:
        first = await connection.fetchval(
            "SELECT id FROM products WHERE is_active AND NOT has_options ORDER BY id LIMIT 1"
        )
        most = await connection.fetchval(
            "SELECT v.product_id FROM product_variants v JOIN products p ON p.id = v.product_id "
            "WHERE p.is_active AND p.has_options GROUP BY v.product_id "
            "ORDER BY count(*) DESC, v.product_id LIMIT 1"
        )
    finally:
        await connection.close()
    return ["/api/v1/products", f"/api/v1/products/{first}", f"/api/v1/products/{most}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--src", default=None, help=SRC_HELP)
    args = parser.parse_args()
    use_source_tree(parser, args.src)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("JWT_SECRET", secrets.token_urlsafe(48))
    # Catalogue reads only: Stripe is never called, but the store starts only configured.
    os.environ.setdefault("STRIPE_API_KEY", "sk_test_profile_reads")
    os.environ.setdefault("STRIPE_API_BASE", "http://127.0.0.1:9")
    os.environ.setdefault("STRIPE_WEBHOOK_SECRET", "whsec_profile_reads")
    os.environ.setdefault("RUN_EMBEDDED_WORKER", "false")
    from bench.postgres import private_cluster

    def measure() -> None:
        paths = args.paths or asyncio.run(_default_paths())
        asyncio.run(_measure(paths, args.requests, args.profile))

    if "DATABASE_URL" in os.environ:
        measure()
        return
    with private_cluster() as cluster:
        os.environ["DATABASE_URL"] = (
            f"postgresql+asyncpg://postgres@127.0.0.1:{cluster.port}/vitrina_bench"
        )
        measure()


if __name__ == "__main__":
    main()
