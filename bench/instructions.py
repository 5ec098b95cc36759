"""Instructions per request, counted by callgrind: a steady measure of the store's own CPU.

Requests per second and CPU seconds vary by a third between runs on this shared 2-core
machine; the number of instructions the store process executes for a request repeats to a
fraction of a percent, so it shows what a change to the request path costs or saves.

    make bench-instructions            # the benchmark's own cluster and 100k catalog
    DATABASE_URL=postgresql+asyncpg://...  python -m bench.instructions [PATH ...]

Each path runs in its own process under `valgrind --tool=callgrind` with counting switched
off while Python starts, the app is built and the connections and caches are warmed; then
`callgrind_control` switches it on for `--requests` requests (4 at a time, in-process ASGI
calls, no HTTP client) and off again. What PostgreSQL does is not counted. `/healthz` is
measured in the same run as the baseline: the cost of any request through the app.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import shutil
import subprocess
import sys
from typing import Any

from bench.postgres import private_cluster

DEFAULT_PATHS = ("/healthz", "/api/v1/products", "/api/v1/products/2")
CONCURRENCY = 4
WARM_UP = 20


async def asgi_get(app: Any, target: str) -> None:
    """`GET target` sent straight to the ASGI app (no client, no server); 200 or exit."""
    await asgi_request(app, "GET", target)


async def asgi_request(
    app: Any,
    method: str,
    target: str,
    *,
    body: bytes = b"",
    headers: tuple[tuple[bytes, bytes], ...] = (),
) -> None:
    """`method target` with `body` and `headers` sent straight to the ASGI app (no client,
    no server); 200 or exit."""
    path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    if status != 200:
        raise SystemExit(f"{method} {target} answered {status}")


async def _serve(target: str, requests: int) -> None:
    """Inside valgrind: warm up, then count `requests` requests."""
    from vitrina.app import create_app
    from vitrina.db import db_helper

    app = create_app()

    async def run(count: int) -> None:
        for _ in range(count):
            await asgi_get(app, target)

    await asyncio.gather(*(run(WARM_UP // CONCURRENCY) for _ in range(CONCURRENCY)))
    callgrind_counting("on")
    await asyncio.gather(*(run(requests // CONCURRENCY) for _ in range(CONCURRENCY)))
    callgrind_counting("off")
    await db_helper.dispose()


def callgrind_counting(state: str) -> None:
    """Switch callgrind's counting for this process (blocking on purpose: nothing may run
    between the switch and the requests it brackets)."""
    command = ["callgrind_control", "-i", state, str(os.getpid())]
    subprocess.run(command, check=True, capture_output=True)


def instructions_of(arguments: list[str]) -> int:
    """The instructions `python <arguments>` counted under callgrind, started with counting
    off: the process switches it on and off itself (`callgrind_counting`)."""
    result = subprocess.run(
        [
            "valgrind", "--tool=callgrind", "--instr-atstart=no",
            "--callgrind-out-file=/dev/null", sys.executable, *arguments,
        ],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    found = re.search(r"Collected\s*:\s*(\d+)", result.stderr)
    if result.returncode != 0 or found is None:
        raise SystemExit(f"callgrind failed for {arguments}:\n{result.stdout}\n{result.stderr}")
    return int(found.group(1))


def _count(target: str, requests: int) -> float:
    """Millions of instructions per request for one path, in a process of its own."""
    inside = ["-m", "bench.instructions", "--inside", target, "--requests", str(requests)]
    return instructions_of(inside) / requests / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=list(DEFAULT_PATHS))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--inside", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        asyncio.run(_serve(args.inside, args.requests))
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is needed: apt-get install -y valgrind")
    if args.requests % CONCURRENCY:
        raise SystemExit(f"--requests must be a multiple of {CONCURRENCY}")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("JWT_SECRET", secrets.token_urlsafe(48))
    # Catalog reads only: Stripe is never called, but the store starts only configured.
    os.environ.setdefault("STRIPE_API_KEY", "sk_test_instructions")
    os.environ.setdefault("STRIPE_API_BASE", "http://127.0.0.1:9")
    os.environ.setdefault("STRIPE_WEBHOOK_SECRET", "whsec_instructions")
    paths = list(dict.fromkeys(["/healthz", *args.paths]))
    if "DATABASE_URL" in os.environ:
        counts = {path: _count(path, args.requests) for path in paths}
    else:  # the catalog `make bench` loaded into its private cluster
        with private_cluster() as cluster:
            os.environ["DATABASE_URL"] = (
                f"postgresql+asyncpg://postgres@127.0.0.1:{cluster.port}/vitrina_bench"
            )
            counts = {path: _count(path, args.requests) for path in paths}
    baseline = counts["/healthz"]
    print(f"{'path':45} {'M instr/request':>16} {'x /healthz':>11}")
    for path, count in counts.items():
        print(f"{path:45} {count:16.3f} {count / baseline:11.2f}")


if __name__ == "__main__":
    main()
