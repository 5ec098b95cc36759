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
import time
from pathlib import Path

from bench.profiling import SRC_HELP, print_profile, scratch_database, use_source_tree


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
        print_profile(profiler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--src", default=None, help=SRC_HELP)
    args = parser.parse_args()
    use_source_tree(parser, args.src)
    with scratch_database() as url:
        asyncio.run(_measure(url, args.requests, args.profile))


if __name__ == "__main__":
    main()
