"""CPU per basket update, in-process: the app over ASGI, no server, no wrk, no py-spy.

    .venv/bin/python -m bench.profile_basket [--requests 400] [--profile] [--src DIR]

Makes a scratch database (dropped after), a customer with a two-line basket, then times
`--requests` `PUT /api/v1/basket/items/{id}` (quantities alternating 1 and 2, so every one
writes) with `time.process_time()`: the CPU of the store's code and of the test client, one
process, PostgreSQL's own work not counted. `--profile` prints cProfile's top functions.
`--src` puts another source tree first on the path (the folder holding `vitrina`, e.g. the
`src` of `git archive main src`) to compare with the same command.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import secrets
import sys
import time
from pathlib import Path


async def _measure(url: str, requests: int, profile: bool) -> None:
    import httpx

    from bench.write_statements import _arrange, in_process_settings
    from vitrina.accounts.security import create_access_token
    from vitrina.app import create_app
    from vitrina.db import db_helper

    settings = in_process_settings(url, "sk_test_unused")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            product_ids, user, _ = await _arrange(settings)
            headers = {"Authorization": f"Bearer {create_access_token(user)}"}
            for product_id in product_ids:
                answer = await client.put(
                    f"/api/v1/basket/items/{product_id}", json={"quantity": 1}, headers=headers
                )
                answer.raise_for_status()
            first = product_ids[0]

            async def burst(n: int, start: int) -> None:
                for i in range(n):
                    answer = await client.put(
                        f"/api/v1/basket/items/{first}",
                        json={"quantity": 1 + (start + i) % 2},
                        headers=headers,
                    )
                    answer.raise_for_status()

            await burst(50, 1)  # warm: caches, prepared statements
            profiler = cProfile.Profile() if profile else None
            cpu, wall = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            await burst(requests, 1)
            if profiler:
                profiler.disable()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await db_helper.dispose()
    import vitrina

    print(f"vitrina from {Path(vitrina.__file__).parent}")
    print(
        f"{requests} basket updates: {cpu / requests * 1000:.2f} ms CPU per request, "
        f"{requests / wall:.0f} req/s (one client, in-process{', profiled' if profile else ''})"
    )
    if profiler:
        stats = pstats.Stats(profiler)
        by_package: dict[str, float] = {}
        for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
            package = filename.split("site-packages/")[-1].split("/")[0]
            if "/vitrina/" in filename:
                package = "vitrina (the store)"
            elif "site-packages/" not in filename:
                package = "stdlib (asyncio, ...), builtins"
            by_package[package] = by_package.get(package, 0.0) + own
        total = sum(by_package.values())
        print("own time by package:")
        for package, own in sorted(by_package.items(), key=lambda kv: -kv[1])[:12]:
            print(f"  {own / total:6.1%}  {package}")
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--src", default=None, help="Another source tree to import vitrina from.")
    args = parser.parse_args()
    if args.src:
        if not (Path(args.src) / "vitrina").is_dir():
            parser.error(f"{args.src} has no vitrina package (give the folder holding it)")
        sys.path.insert(0, args.src)
        for name in [m for m in sys.modules if m == "vitrina" or m.startswith("vitrina.")]:
            del sys.modules[name]
    from bench.postgres import run_sql
    from bench.write_statements import ADMIN_DSN
    from vitrina import schema

    name = f"vitrina_profile_{secrets.token_hex(4)}"
    asyncio.run(run_sql(ADMIN_DSN, f'CREATE DATABASE "{name}"'))
    url = f"{ADMIN_DSN.rsplit('/', 1)[0]}/{name}".replace("postgresql://", "postgresql+asyncpg://")
    try:
        schema.upgrade(url)
        asyncio.run(_measure(url, args.requests, args.profile))
    finally:
        asyncio.run(run_sql(ADMIN_DSN, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
