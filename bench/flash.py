"""`make bench-flash`: a flash sale. N customers race for S units of one product through
basket -> checkout -> pay -> webhook, against two store processes and two workers.

    .venv/bin/python -m bench.flash [--customers 1000] [--stock 100] [--concurrency 200]

Everything runs on 127.0.0.1: the private PostgreSQL cluster (bench/postgres.py, a fresh
`vitrina_flash` database each run), the Stripe emulator, two `uvicorn vitrina.main:app`
processes on their own ports (a load balancer's two backends: customers alternate between
them) and two `vitrina worker` processes. Every customer, at most `--concurrency` at once:

1. `PUT /api/v1/basket/items/<id>` quantity 1 (409 once every unit is held: they give up);
2. `POST /api/v1/checkout` (409 if the units went to others meanwhile);
3. pays in the emulator (`/_emulator/checkout/sessions/<id>/complete`);
4. delivers the signed `checkout.session.completed` to the other process, as Stripe would.

Reported: orders/s, time to sell out (first request to the last unit's order), p50/p99 and
answers per step; then the invariants (exactly S sold, no negative stock, one order per
payment, the usual checkout invariants) and `vitrina reconcile`. It stops by itself: every
customer finishes (each call has a 60 s timeout), then every process is stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import subprocess
import time
from collections import Counter, defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import bcrypt
import httpx
from rich.console import Console
from rich.table import Table

from bench import prepare
from bench.faults import invariants
from bench.postgres import private_cluster
from bench.run import API_KEY, WEBHOOK_SECRET, server_env
from bench.stack import ROOT, Stack, free_port, running_stack, uvicorn_command
from bench.stack import vitrina_command as vitrina
from vitrina.accounts.security import create_access_token
from vitrina.catalog.models import Category, Product
from vitrina.config import set_settings
from vitrina.db import db_helper

console = Console(width=140)
DATABASE = "vitrina_flash"
STEPS = ("basket", "checkout", "pay", "webhook")


@dataclass
class Sale:
    started: float = field(default_factory=time.perf_counter)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    answers: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    order_times: list[float] = field(default_factory=list)

    def record(self, step: str, started: float, answer: str) -> None:
        self.latencies[step].append((time.perf_counter() - started) * 1000)
        self.answers[step][answer] += 1


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def arrange(customers: int, stock: int) -> tuple[int, list[str]]:
    """One product with `stock` units; `customers` accounts and their access tokens."""
    password_hash = bcrypt.hashpw(b"Passw0rd!x", bcrypt.gensalt(4)).decode()
    async with db_helper.session_factory() as session:
        category = Category(name="Flash sale", slug="flash-sale")
        session.add(category)
        await session.flush()
        product = Product(
            category_id=category.id,
            name="Limited edition walnut chair",
            slug="limited-walnut-chair",
            price=12_900,
            currency="usd",
            stock=stock,
        )
        session.add(product)
        await session.commit()
        product_id = product.id
    users = await prepare._customers(customers, f"flash-{secrets.token_hex(3)}", password_hash)
    await db_helper.dispose()
    return product_id, [create_access_token(user) for user in users]


async def completed_event(http: httpx.AsyncClient, session_id: str) -> str | None:
    """The emulator's `checkout.session.completed` for this session, as Stripe sends it."""
    params = {"type": "checkout.session.completed", "limit": "100"}
    auth = {"Authorization": f"Bearer {API_KEY}"}
    page = (await http.get("/v1/events", params=params, headers=auth)).json()
    for event in page["data"]:
        if event["data"]["object"]["id"] == session_id:
            return json.dumps(event, separators=(",", ":"))
    return None


async def customer(
    i: int,
    token: str,
    product_id: int,
    stores: list[str],
    http: httpx.AsyncClient,
    emulator: httpx.AsyncClient,
    sale: Sale,
    gate: asyncio.Semaphore,
) -> None:
    async with gate:
        try:
            await _shop(i, token, product_id, stores, http, emulator, sale)
        except httpx.HTTPError as exc:  # counted, and this customer gives up
            sale.answers["errors"][type(exc).__name__] += 1


async def _shop(
    i: int,
    token: str,
    product_id: int,
    stores: list[str],
    http: httpx.AsyncClient,
    emulator: httpx.AsyncClient,
    sale: Sale,
) -> None:
    store, other = stores[i % 2], stores[(i + 1) % 2]
    auth = {"Authorization": f"Bearer {token}"}
    t = time.perf_counter()
    r = await http.put(
        f"{store}/api/v1/basket/items/{product_id}", json={"quantity": 1}, headers=auth
    )
    sale.record("basket", t, str(r.status_code))
    if r.status_code != 200:
        return
    t = time.perf_counter()
    r = await http.post(f"{store}/api/v1/checkout", headers=auth)
    sale.record("checkout", t, str(r.status_code))
    if r.status_code != 200:
        return
    session_id = r.json()["session_id"]
    t = time.perf_counter()
    paid = await emulator.post(
        f"/_emulator/checkout/sessions/{session_id}/complete", json={"outcome": "paid"}
    )
    sale.record("pay", t, str(paid.status_code))
    payload = await completed_event(emulator, session_id)
    if payload is None:
        sale.answers["webhook"]["no event"] += 1
        return
    t = time.perf_counter()
    r = await http.post(
        f"{other}/api/v1/stripe/webhook",
        content=payload,
        headers={
            "Stripe-Signature": prepare.sign(payload, WEBHOOK_SECRET),
            "Content-Type": "application/json",
        },
    )
    outcome = r.json().get("outcome", "?") if r.status_code == 200 else ""
    sale.record("webhook", t, f"{r.status_code} {outcome}".strip())
    if outcome == "handled":
        sale.order_times.append(time.perf_counter() - sale.started)


async def race(
    tokens: list[str], product_id: int, stores: list[str], emulator_url: str, concurrency: int
) -> Sale:
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with (
        httpx.AsyncClient(timeout=60, limits=limits) as http,
        httpx.AsyncClient(base_url=emulator_url, timeout=60, limits=limits) as emulator,
    ):
        for store in stores:  # warm: each process answers once before the doors open
            await http.get(f"{store}/api/v1/products/{product_id}")
        sale = Sale()
        await asyncio.gather(
            *(
                customer(i, token, product_id, stores, http, emulator, sale, gate)
                for i, token in enumerate(tokens)
            )
        )
    sale.latencies["total"] = [(time.perf_counter() - sale.started) * 1000]
    return sale


async def sold(url: str, product_id: int) -> dict[str, Any]:
    conn = await asyncpg.connect(prepare.asyncpg_dsn(url))
    try:
        return {
            "stock": await conn.fetchval("SELECT stock FROM products WHERE id = $1", product_id),
            "units": await conn.fetchval(
                "SELECT coalesce(sum(quantity), 0) FROM order_items WHERE product_id = $1",
                product_id,
            ),
            "orders": await conn.fetchval("SELECT count(*) FROM orders"),
            "negative": await conn.fetchval("SELECT count(*) FROM products WHERE stock < 0"),
        }
    finally:
        await conn.close()


def report(
    sale: Sale, facts: dict[str, Any], args: argparse.Namespace
) -> list[tuple[str, str, bool]]:
    elapsed = sale.latencies["total"][0] / 1000
    table = Table(
        title=f"Flash sale: {args.customers:,} customers, {args.stock} units, "
        f"concurrency {args.concurrency}, 2 store processes + 2 workers"
    )
    for column in ("step", "calls", "answers", "p50 ms", "p99 ms"):
        table.add_column(column, justify="left" if column in ("step", "answers") else "right")
    for step in STEPS:
        values = sale.latencies.get(step, [])
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(sale.answers[step].items()))
        table.add_row(
            step,
            str(len(values)),
            answers,
            f"{percentile(values, 0.5):.1f}",
            f"{percentile(values, 0.99):.1f}",
        )
    console.print(table)
    if sale.answers.get("errors"):
        console.print(f"connection errors (customer gave up): {dict(sale.answers['errors'])}")
    orders = len(sale.order_times)
    sell_out = max(sale.order_times) if orders >= args.stock else None
    rate = orders / max(sale.order_times) if sale.order_times else 0.0
    console.print(
        f"orders: {orders} in {max(sale.order_times, default=0):.1f} s "
        f"({rate:.1f} orders/s); sold out: "
        + (f"{sell_out:.1f} s after the doors opened" if sell_out else "no")
        + f"; every customer done at {elapsed:.1f} s"
    )
    checks = [
        (f"exactly {args.stock} sold", f"{facts['units']} units in {facts['orders']} orders, "
         f"stock left {facts['stock']}", facts["units"] == args.stock and facts["stock"] == 0),
        ("0 negative stock", f"{facts['negative']} products below zero", facts["negative"] == 0),
    ]  # fmt: skip
    return checks


def run(args: argparse.Namespace, stack: Stack, out: Path) -> bool:
    emulator_port = free_port()
    emulator_url = f"http://127.0.0.1:{emulator_port}"
    url = prepare.database_url(DATABASE)
    env = server_env(
        url, emulator_url, "http://127.0.0.1:8000", secrets.token_urlsafe(48), args.pool_size
    )
    asyncio.run(prepare._recreate(DATABASE))
    subprocess.run(vitrina("migrate"), env=env, cwd=ROOT, check=True, capture_output=True)
    settings = prepare.bench_settings(url, env)
    set_settings(settings)
    db_helper.configure(url, pool_size=4)
    product_id, tokens = asyncio.run(arrange(args.customers, args.stock))
    stack.start(
        "emulator",
        vitrina("stripe-emulator", "--port", str(emulator_port)),
        env,
        ready_url=f"{emulator_url}/_emulator/clock",
    )
    stores = []
    for n in (1, 2):
        port = free_port()
        store_url = f"http://127.0.0.1:{port}"
        stack.start(
            f"store-{n}",
            uvicorn_command("vitrina.main:app", port, 1),
            {**env, "PUBLIC_BASE_URL": store_url},
            ready_url=f"{store_url}/readyz",
        )
        stores.append(store_url)
    for n in (1, 2):
        stack.start(f"worker-{n}", vitrina("worker"), env)
    console.print(f"[bold]Doors open: {args.customers:,} customers, {args.stock} units[/bold]")
    sale = asyncio.run(race(tokens, product_id, stores, emulator_url, args.concurrency))
    facts = asyncio.run(sold(url, product_id))
    checks = report(sale, facts, args)
    problems = asyncio.run(invariants(url)) + asyncio.run(prepare.order_problems(url))
    checks.append(("0 duplicate orders, checkout invariants", "; ".join(problems) or "all hold",
                   not problems))  # fmt: skip
    done = subprocess.run(vitrina("reconcile"), env=env, cwd=ROOT, capture_output=True, text=True)
    (out / "reconcile.txt").write_text(done.stdout + done.stderr)
    checks.append(("reconcile clean", done.stdout.strip().splitlines()[-1] if done.returncode == 0
                   else f"differences: {out / 'reconcile.txt'}", done.returncode == 0))  # fmt: skip
    table = Table(title="Flash sale invariants")
    for column in ("invariant", "measured", "verdict"):
        table.add_column(column)
    for name, measured, passed in checks:
        table.add_row(name, measured, "[green]PASS[/green]" if passed else "[red]FAIL[/red]")
    console.print(table)
    summary = {
        "customers": args.customers,
        "stock": args.stock,
        "concurrency": args.concurrency,
        "orders": len(sale.order_times),
        "sold_out_s": max(sale.order_times) if len(sale.order_times) >= args.stock else None,
        "steps": {
            step: {
                "calls": len(sale.latencies.get(step, [])),
                "answers": dict(sale.answers[step]),
                "p50_ms": percentile(sale.latencies.get(step, []), 0.5),
                "p99_ms": percentile(sale.latencies.get(step, []), 0.99),
            }
            for step in STEPS
        },
        "checks": checks,
    }
    (out / "flash.json").write_text(json.dumps(summary, indent=2, default=str))
    return all(passed for _, _, passed in checks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--stock", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=200, help="Customers at once.")
    parser.add_argument("--pool-size", type=int, default=32, help="DATABASE_POOL_SIZE each.")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    out = args.out or Path(f"/tmp/vitrina-flash-{stamp}")
    out.mkdir(parents=True, exist_ok=True)
    with ExitStack() as resources:
        cluster = resources.enter_context(private_cluster())
        prepare.ADMIN_DSN = cluster.admin_dsn
        stack = resources.enter_context(running_stack(out / "logs"))
        passed = run(args, stack, out)
    console.print(f"Logs and flash.json: {out}")
    raise SystemExit(0 if passed else 1)


if __name__ == "__main__":
    main()
