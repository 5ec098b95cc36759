"""CPU per basket update, in-process: the app over ASGI, no server, no wrk, no py-spy.

    .venv/bin/python -m bench.profile_basket [--requests 400] [--profile | --instructions]
                                             [--floor] [--src DIR]

Makes a scratch database (dropped after), a customer with a two-line basket, then times
`--requests` `PUT /api/v1/basket/items/{id}` (quantities alternating 1 and 2, so every one
writes), sent straight to the ASGI app (no client, no server), with `time.process_time()`:
the CPU of the store's code, one process, PostgreSQL's own work not counted. `--profile`
prints cProfile's top functions.
`--instructions` counts instead the instructions per request under callgrind (steady where
CPU seconds vary by a third on this shared machine; bench/instructions.py).
`--floor` measures the floor's basket update instead (bench/write_floor.py through
bench/floor.py's ASGI app: the same statements on raw asyncpg, the same access line).
`--src` puts another source tree first on the path (the folder holding `vitrina`, e.g. the
`src` of `git archive main src`) to compare with the same command.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.profiling import SRC_HELP, print_profile, scratch_database, use_source_tree

Put = Callable[[int, int], Awaitable[None]]


def _store_put(app: Any, user: Any) -> Put:
    """`PUT /api/v1/basket/items/{product}` as `user`, straight to the store's ASGI app."""
    from bench.instructions import asgi_request
    from vitrina.accounts.security import create_access_token

    headers = (
        (b"authorization", f"Bearer {create_access_token(user)}".encode()),
        (b"content-type", b"application/json"),
    )

    async def put(product_id: int, quantity: int) -> None:
        body = f'{{"quantity": {quantity}}}'.encode()
        target = f"/api/v1/basket/items/{product_id}"
        await asgi_request(app, "PUT", target, body=body, headers=headers)

    return put


async def _floor_put(url: str, user_id: int) -> tuple[Put, Any]:
    """The same change through the floor's ASGI app (bench/floor.py, `/w/basket/...`: the
    store's statements on raw asyncpg, its access line), on a pool of its own."""
    from bench import floor, write_floor
    from bench.instructions import asgi_request

    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    pool = await write_floor.create_pool(dsn, 2)
    floor._pool = pool  # what the floor's lifespan sets up (without the replayed reads)

    async def put(product_id: int, quantity: int) -> None:
        body = f'{{"quantity": {quantity}}}'.encode()
        await asgi_request(floor.app, "PUT", f"/w/basket/{user_id}/{product_id}", body=body)

    return put, pool


async def _measure(url: str, requests: int, profile: bool, counting: bool, on_floor: bool) -> None:
    from bench.instructions import callgrind_counting
    from bench.write_statements import _arrange, in_process_settings
    from vitrina.app import create_app
    from vitrina.db import db_helper

    settings = in_process_settings(url, "sk_test_unused")
    app = create_app(settings)
    floor_pool = None
    async with app.router.lifespan_context(app):
        product_ids, user, floor_user = await _arrange(settings)
        put = _store_put(app, user)
        if on_floor:
            put, floor_pool = await _floor_put(url, floor_user.id)
        for product_id in product_ids:
            await put(product_id, 1)

        async def burst(n: int, start: int) -> None:
            for i in range(n):
                await put(product_ids[0], 1 + (start + i) % 2)

        await burst(50, 1)  # warm: caches, prepared statements
        profiler = cProfile.Profile() if profile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        if counting:
            callgrind_counting("on")
        await burst(requests, 1)
        if counting:
            callgrind_counting("off")
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if floor_pool is not None:
        await floor_pool.close()
    await db_helper.dispose()
    import vitrina

    print(f"vitrina from {Path(vitrina.__file__).parent}")
    what = "floor basket updates" if on_floor else "basket updates"
    print(
        f"{requests} {what}: {cpu / requests * 1000:.2f} ms CPU per request, "
        f"{requests / wall:.0f} req/s (in-process, no client{', profiled' if profile else ''})"
    )
    if profiler:
        print_profile(profiler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--instructions", action="store_true")
    parser.add_argument(
        "--floor", action="store_true", help="The floor's basket update (bench/write_floor.py)."
    )
    parser.add_argument("--inside-callgrind", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--src", default=None, help=SRC_HELP)
    args = parser.parse_args()
    if args.instructions:
        from bench.instructions import instructions_of

        inner = ["-m", "bench.profile_basket", "--inside-callgrind"] + (
            ["--floor"] if args.floor else []
        )
        inner += ["--requests", str(args.requests)] + (["--src", args.src] if args.src else [])
        millions = instructions_of(inner) / args.requests / 1e6
        what = "floor basket updates" if args.floor else "basket updates"
        print(f"{args.requests} {what}: {millions:.3f} M instructions per request")
        return
    use_source_tree(parser, args.src)
    with scratch_database() as url:
        asyncio.run(_measure(url, args.requests, args.profile, args.inside_callgrind, args.floor))


if __name__ == "__main__":
    main()
