"""SQLite's one writer (`kit/sqlite_writes.py`) on `vitrina demo`, the README's first command.

Run:
    .venv/bin/python bench/sqlite_writes.py [--vitrina PATH] [--seconds 10] [--concurrency 16]

`--vitrina` picks the `vitrina` executable, so the same run can measure another checkout of the
code (before/after). It starts `vitrina demo` in a scratch folder and reports:
- reads: `GET /product/<slug>` (a storefront page on a request session that only reads) at the
  given concurrency, alone, then while thirty shoppers check out at once;
- the race of issue 14: thirty parallel checkouts of a product with five in stock, and how
  many payment pages they opened (five is right).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from bench.concurrent import Run
from bench.stack import free_port

STAFF = {"username": "staff@example.com", "password": "staff-demo-1"}
SHOPPERS = 30
IN_STOCK = 5


def start_demo(vitrina: str, folder: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "STRIPE"))}
    env["BCRYPT_ROUNDS"] = "4"
    log = (folder / "demo.log").open("ab")
    process = subprocess.Popen(
        [vitrina, "demo", "--port", str(port), "--products", "40"],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        assert process.poll() is None, (folder / "demo.log").read_text()
        time.sleep(0.2)
    raise TimeoutError("the demo did not start")


async def reads(
    name: str, http: httpx.AsyncClient, slugs: list[str], seconds: float, width: int
) -> Run:
    """`width` readers, each fetching product pages one after another for `seconds`."""
    latencies: list[float] = []
    failures = 0
    deadline = time.monotonic() + seconds

    async def reader(offset: int) -> None:
        nonlocal failures
        n = offset
        while time.monotonic() < deadline:
            began = time.perf_counter()
            answer = await http.get(f"/product/{slugs[n % len(slugs)]}")
            latencies.append((time.perf_counter() - began) * 1000)
            failures += answer.status_code != 200
            n += width

    began = time.perf_counter()
    await asyncio.gather(*(reader(i) for i in range(width)))
    return Run(name, latencies, time.perf_counter() - began, failures)


async def shopper(base: str, n: int) -> httpx.AsyncClient:
    http = httpx.AsyncClient(base_url=base, timeout=120)
    email, password = f"bench{n}-{secrets.token_hex(3)}@example.com", secrets.token_urlsafe(16)
    made = await http.post("/api/v1/auth/register", json={"email": email, "password": password})
    assert made.status_code == 201, made.text
    token = await http.post("/api/v1/auth/token", data={"username": email, "password": password})
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return http


async def measure(base: str, seconds: float, width: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        token = (await http.post("/api/v1/auth/token", data=STAFF)).json()["access_token"]
        staff = {"Authorization": f"Bearer {token}"}
        listed = (await http.get("/api/v1/products", params={"limit": 40})).json()["items"]
        slugs = [p["slug"] for p in listed]
        hot = listed[0]["id"]
        await reads("warm-up", http, slugs, 2, width)
        alone = await reads("product page, alone", http, slugs, seconds, width)
        print(alone.row())

        patched = await http.patch(f"/api/v1/products/{hot}", json={"stock": 1000}, headers=staff)
        assert patched.status_code == 200, patched.text
        probe = await shopper(base, -1)
        await probe.put(f"/api/v1/basket/items/{hot}", json={"quantity": 1})
        for _ in range(300):  # until the demo's worker has brought the product to its Stripe
            if (await probe.post("/api/v1/checkout")).status_code == 200:
                break
            await asyncio.sleep(0.1)
        await http.patch(f"/api/v1/products/{hot}", json={"stock": IN_STOCK + 1}, headers=staff)
        shoppers = await asyncio.gather(*(shopper(base, n) for n in range(SHOPPERS)))
        for s in shoppers:
            await s.put(f"/api/v1/basket/items/{hot}", json={"quantity": 1})
        started = time.perf_counter()
        storm = asyncio.gather(*(s.post("/api/v1/checkout") for s in shoppers))
        during, answers = await asyncio.gather(
            reads("product page, during 30 checkouts", http, slugs, 3, width), storm
        )
        took = time.perf_counter() - started
        print(during.row())
        statuses = Counter(a.status_code for a in answers)
        print(
            f"{SHOPPERS} checkouts of {IN_STOCK} in stock: {statuses.get(200, 0)} payment pages, "
            f"answers {dict(statuses)}, {took:.1f} s"
        )
        for s in [probe, *shoppers]:
            await s.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vitrina", default=str(Path(sys.executable).with_name("vitrina")))
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        process = start_demo(options.vitrina, Path(folder), port)
        try:
            asyncio.run(measure(f"http://127.0.0.1:{port}", options.seconds, options.concurrency))
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
