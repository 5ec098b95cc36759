"""CPU per checkout and per webhook order, in-process: the app over ASGI, no server, no wrk.

    .venv/bin/python -m bench.profile_checkout checkout|webhook [--requests 200]
                                               [--profile | --instructions] [--src DIR]

Makes a scratch database (dropped after) and starts the Stripe emulator as a subprocess
(`vitrina stripe-emulator`, so that its CPU is not counted), then `--requests` customers
(plus a few to warm up), each with a two-line basket. `checkout` times one
`POST /api/v1/checkout` per customer (each opens a new session); `webhook` first opens and
pays every customer's session (untimed), then times one signed `checkout.session.completed`
per session (each makes an order). `time.process_time()` around the timed requests: the CPU
of the store's code and of the test client, one process; PostgreSQL's and the emulator's
own work not counted. `--profile` prints cProfile's own CPU time by package and top functions.
`--instructions` counts instead the instructions per request under callgrind (steady where
CPU seconds vary by a third on this shared machine; bench/instructions.py): the same run in
a process of its own under valgrind, counting only around the timed requests (the emulator,
a process of its own, is not counted).
`--src` puts another source tree first on the path (the folder holding `vitrina`, e.g. the
`src` of `git archive main src`) to compare with the same command.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.profiling import SRC_HELP, print_profile, scratch_database, use_source_tree

WARM = 20
API_KEY = "sk_test_profile_checkout_0123"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_emulator(port: int) -> subprocess.Popen[bytes]:
    """The emulator in its own process (its CPU is not the store's); ready when it answers."""
    import httpx

    vitrina = Path(sys.executable).with_name("vitrina")
    process = subprocess.Popen(
        [str(vitrina), "stripe-emulator", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/_emulator/clock", timeout=1).raise_for_status()
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the emulator did not start")


async def _customers(settings: Any, count: int) -> tuple[list[int], list[Any]]:
    """Two products with plenty of stock and `count` customers."""
    from bench.write_statements import products_and_customers

    return await products_and_customers("Checkout profile", 100_000, count)


async def _pay(settings: Any, session_ids: list[str]) -> list[tuple[str, str]]:
    """Pay each session in the emulator; its signed `checkout.session.completed`, in order."""
    import httpx

    from bench.prepare import sign

    auth = {"Authorization": f"Bearer {API_KEY}"}
    wanted = set(session_ids)
    found: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=settings.stripe_api_base, timeout=60) as emulator:
        for session_id in session_ids:
            paid = await emulator.post(
                f"/_emulator/checkout/sessions/{session_id}/complete", json={"outcome": "paid"}
            )
            paid.raise_for_status()
        params: dict[str, Any] = {"type": "checkout.session.completed", "limit": 100}
        while True:
            page = (await emulator.get("/v1/events", params=params, headers=auth)).json()
            for event in page["data"]:
                if event["data"]["object"]["id"] in wanted:
                    found[event["data"]["object"]["id"]] = json.dumps(event, separators=(",", ":"))
            if not page["has_more"]:
                break
            params["starting_after"] = page["data"][-1]["id"]
    secret = settings.webhook_key()
    return [(found[s], sign(found[s], secret)) for s in session_ids]


async def _measure(
    url: str, emulator_url: str, mode: str, requests: int, profile: bool, counting: bool
) -> None:
    import httpx

    from bench.instructions import asgi_request, callgrind_counting
    from bench.write_statements import in_process_settings
    from vitrina.accounts.security import create_access_token
    from vitrina.app import create_app
    from vitrina.db import db_helper
    from vitrina.orders.notifications import wait_for_outgoing_mail

    settings = in_process_settings(url, API_KEY, emulator_url)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            product_ids, users = await _customers(settings, WARM + requests)
            headers = [{"Authorization": f"Bearer {create_access_token(u)}"} for u in users]
            for header in headers:
                for product_id in product_ids:
                    answer = await client.put(
                        f"/api/v1/basket/items/{product_id}", json={"quantity": 1}, headers=header
                    )
                    answer.raise_for_status()

            async def checkout(n: int) -> None:
                answer = await client.post("/api/v1/checkout", headers=headers[n])
                answer.raise_for_status()
                opened.append(answer.json()["session_id"])

            opened: list[str] = []
            timed: Callable[[int], Awaitable[None]] = checkout
            if mode == "webhook":
                for n in range(len(users)):
                    await checkout(n)
                events = await _pay(settings, opened)

                async def webhook(n: int) -> None:
                    payload, signature = events[n]
                    answer = await client.post(
                        "/api/v1/stripe/webhook",
                        content=payload,
                        headers={"Stripe-Signature": signature,
                                 "Content-Type": "application/json"},
                    )  # fmt: skip
                    answer.raise_for_status()
                    assert answer.json()["outcome"] == "handled", answer.text

                timed = webhook
            if counting:  # straight to the app: the client's own work is not counted

                async def checkout_counted(n: int) -> None:
                    bearer = headers[n]["Authorization"].encode()
                    await asgi_request(
                        app, "POST", "/api/v1/checkout", headers=((b"authorization", bearer),)
                    )

                async def webhook_counted(n: int) -> None:
                    payload, signature = events[n]
                    await asgi_request(
                        app,
                        "POST",
                        "/api/v1/stripe/webhook",
                        body=payload.encode(),
                        headers=((b"stripe-signature", signature.encode()),
                                 (b"content-type", b"application/json")),
                    )  # fmt: skip

                timed = checkout_counted if mode == "checkout" else webhook_counted
            for n in range(WARM):  # caches, prepared statements
                await timed(n)
            await wait_for_outgoing_mail()
            profiler = cProfile.Profile(time.process_time) if profile else None  # CPU, not waits
            cpu, wall = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            if counting:
                callgrind_counting("on")
            for n in range(WARM, WARM + requests):
                await timed(n)
            if counting:
                callgrind_counting("off")
            if profiler:
                profiler.disable()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            await wait_for_outgoing_mail()
    await db_helper.dispose()
    import vitrina

    what = "checkouts (new sessions)" if mode == "checkout" else "webhooks (orders made)"
    print(f"vitrina from {Path(vitrina.__file__).parent}")
    print(
        f"{requests} {what}: {cpu / requests * 1000:.2f} ms CPU per request, "
        f"{requests / wall:.0f} req/s (one client, in-process{', profiled' if profile else ''})"
    )
    if profiler:
        profiler.dump_stats(f"/tmp/profile_checkout_{mode}.prof")  # for pstats' callers
        print_profile(profiler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("mode", choices=("checkout", "webhook"))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--instructions", action="store_true")
    parser.add_argument("--inside-callgrind", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--emulator-url", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--src", default=None, help=SRC_HELP)
    args = parser.parse_args()
    if args.instructions:
        from bench.instructions import instructions_of

        # The emulator is started here, outside valgrind (its work is not the store's, and
        # under valgrind it would answer slowly enough to time the store's calls out).
        port = _free_port()
        emulator = _start_emulator(port)
        try:
            inner = ["-m", "bench.profile_checkout", args.mode, "--inside-callgrind"]
            inner += ["--requests", str(args.requests)]
            inner += ["--emulator-url", f"http://127.0.0.1:{port}"]
            inner += ["--src", args.src] if args.src else []
            millions = instructions_of(inner) / args.requests / 1e6
        finally:
            emulator.terminate()
            emulator.wait(timeout=10)
        what = "checkouts (new sessions)" if args.mode == "checkout" else "webhooks (orders made)"
        print(f"{args.requests} {what}: {millions:.3f} M instructions per request")
        return
    use_source_tree(parser, args.src)
    if args.emulator_url:
        with scratch_database() as url:
            asyncio.run(_measure(url, args.emulator_url, args.mode, args.requests, False, True))
        return
    port = _free_port()
    emulator = _start_emulator(port)
    try:
        with scratch_database() as url:
            emulator_url = f"http://127.0.0.1:{port}"
            asyncio.run(_measure(url, emulator_url, args.mode, args.requests, args.profile, False))
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)


if __name__ == "__main__":
    main()
