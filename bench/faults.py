"""Faults under load, each with a verdict: a server killed, PostgreSQL restarted, Stripe failing.

The load is a small asyncio driver (httpx, 127.0.0.1 only) of customers editing their
baskets and checking out, so that every answer can be checked against the database afterwards:
a 200 from `POST /checkout` must leave its Checkout Session and reservations committed, and no
request may be half-applied.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import asyncpg
import httpx

from bench import prepare
from bench.stack import Service, free_port, uvicorn_command

if TYPE_CHECKING:
    from bench.run import Bench

TIMEOUT_S = 15.0
DUE_PRODUCTS = 200
CATCH_UP_SECONDS = 90


@dataclass
class Outcome:
    at: float
    target: str
    kind: str
    status: int | str
    elapsed: float
    body: dict[str, Any] = field(default_factory=dict)


async def drive(
    targets: Callable[[int], str],
    tokens: list[str],
    products: list[int],
    seconds: float,
    concurrency: int = 24,
) -> list[Outcome]:
    """Customers alternately change a quantity and check out, for `seconds`."""
    outcomes: list[Outcome] = []
    started = time.monotonic()
    users = itertools.cycle(range(len(tokens)))
    limits = httpx.Limits(max_connections=concurrency * 2)
    async with httpx.AsyncClient(timeout=TIMEOUT_S, limits=limits) as http:

        async def call(slot: int, kind: str, method: str, path: str, token: str, **kw: Any) -> None:
            base = targets(slot)
            t0 = time.monotonic()
            status: int | str
            body: dict[str, Any] = {}
            try:
                response = await http.request(
                    method, base + path, headers={"Authorization": f"Bearer {token}"}, **kw
                )
                status = response.status_code
                if response.headers.get("content-type", "").startswith("application/json"):
                    body = response.json()
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            outcomes.append(Outcome(t0 - started, base, kind, status, time.monotonic() - t0, body))

        async def customer(slot: int) -> None:
            quantity = 1
            while time.monotonic() - started < seconds:
                user = next(users)
                quantity = 3 - quantity
                product = products[user % len(products)]
                await call(
                    slot, "basket", "PUT", f"/api/v1/basket/items/{product}", tokens[user],
                    json={"quantity": quantity},
                )  # fmt: skip
                await call(slot, "checkout", "POST", "/api/v1/checkout", tokens[user])

        await asyncio.gather(*(customer(slot) for slot in range(concurrency)))
    return outcomes


async def invariants(url: str) -> list[str]:
    """What must hold in the database whatever failed; returns the violations."""
    conn = await asyncpg.connect(prepare.asyncpg_dsn(url))
    try:
        problems = []
        negative = await conn.fetchval("SELECT count(*) FROM products WHERE stock < 0")
        if negative:
            problems.append(f"{negative} products with negative stock")
        oversold = await conn.fetchval(
            "SELECT count(*) FROM (SELECT r.product_id FROM stock_reservations r "
            "JOIN products p ON p.id = r.product_id WHERE r.expires_at > now() "
            "GROUP BY r.product_id, p.stock HAVING sum(r.quantity) > p.stock) x"
        )
        if oversold:
            problems.append(f"{oversold} products reserved beyond their stock")
        unreserved = await conn.fetchval(
            "SELECT count(*) FROM checkout_sessions c WHERE c.status = 'open' AND NOT EXISTS "
            "(SELECT 1 FROM stock_reservations r WHERE r.checkout_session_id = c.id)"
        )
        if unreserved:
            problems.append(f"{unreserved} open checkout sessions without reservations")
        mismatched = await conn.fetchval(
            "SELECT count(*) FROM checkout_sessions c WHERE c.status = 'open' AND "
            "(SELECT coalesce(sum(r.quantity), 0) FROM stock_reservations r "
            " WHERE r.checkout_session_id = c.id) <> "
            "(SELECT coalesce(sum((i->>'quantity')::int), 0) FROM jsonb_array_elements(c.items) i)"
        )
        if mismatched:
            problems.append(f"{mismatched} open sessions whose reservations differ from items")
        several = await conn.fetchval(
            "SELECT count(*) FROM (SELECT basket_id FROM checkout_sessions WHERE status = 'open' "
            "GROUP BY basket_id HAVING count(*) > 1) x"
        )
        if several:
            problems.append(f"{several} baskets with more than one open session")
        dangling = await conn.fetchval(
            "SELECT count(*) FROM baskets b WHERE b.session_id IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM checkout_sessions c WHERE c.id = b.session_id)"
        )
        if dangling:
            problems.append(f"{dangling} baskets pointing at a session that does not exist")
        return problems
    finally:
        await conn.close()


async def committed(url: str, session_ids: set[str]) -> int:
    """How many of these Checkout Sessions (answered 200) are in the database."""
    conn = await asyncpg.connect(prepare.asyncpg_dsn(url))
    try:
        found = await conn.fetchval(
            "SELECT count(*) FROM checkout_sessions WHERE id = ANY($1::text[])", list(session_ids)
        )
        return int(found)
    finally:
        await conn.close()


async def _customers(bench: Bench, count: int) -> tuple[list[str], list[int]]:
    settings = prepare.bench_settings(prepare.database_url("vitrina_bench"), bench.env)
    tokens, products = await prepare.fresh_customers(settings, count, prefix="fault")
    return tokens, products


def _summary(outcomes: list[Outcome], predicate: Callable[[Outcome], bool]) -> Counter[str]:
    return Counter(f"{o.kind} {o.status}" for o in outcomes if predicate(o))


def _fmt(counts: Counter[str]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "none"


def killed_server(bench: Bench) -> dict[str, Any]:
    """Two single-process servers on two ports; kill -9 one mid-load, then start it again."""
    url = prepare.database_url("vitrina_bench")
    env = {**bench.env, "DATABASE_URL": url}
    servers: list[Service] = []
    for name in ("node-a", "node-b"):
        port = free_port()
        servers.append(
            bench.stack.start(
                name,
                uvicorn_command("vitrina.main:app", port, 1),
                env,
                ready_url=f"http://127.0.0.1:{port}/readyz",
                url=f"http://127.0.0.1:{port}",
            )
        )
    a, b = servers
    assert a.url is not None and b.url is not None
    a_url = a.url
    tokens, products = asyncio.run(_customers(bench, 120))
    urls = [a.url, b.url]
    seconds = 24.0
    marks: dict[str, float] = {}

    async def scenario() -> list[Outcome]:
        load = asyncio.create_task(drive(lambda slot: urls[slot % 2], tokens, products, seconds))
        t0 = time.monotonic()
        await asyncio.sleep(6)
        a.process.send_signal(signal.SIGKILL)
        marks["killed"] = time.monotonic() - t0
        await asyncio.sleep(4)
        restarted = await asyncio.to_thread(
            bench.stack.start,
            "node-a-restarted",
            uvicorn_command("vitrina.main:app", int(a_url.rsplit(":", 1)[1]), 1),
            env,
            ready_url=f"{a_url}/readyz",
            url=a_url,
        )
        marks["back"] = time.monotonic() - t0
        servers.append(restarted)
        return await load

    try:
        outcomes = asyncio.run(scenario())
    finally:
        for server in servers:
            bench.stack.stop(server)
    survivor = _summary(outcomes, lambda o: o.target == b.url)
    killed_window = _summary(
        outcomes, lambda o: o.target == a.url and marks["killed"] <= o.at < marks["back"]
    )
    after = _summary(outcomes, lambda o: o.target == a.url and o.at >= marks["back"] + 1)
    survivor_bad = sum(v for k, v in survivor.items() if k.split()[1] not in ("200", "409"))
    after_ok = sum(v for k, v in after.items() if k.endswith(" 200"))
    ok_sessions = {
        o.body["session_id"] for o in outcomes if o.kind == "checkout" and o.status == 200
    }
    stored = asyncio.run(committed(url, ok_sessions))
    problems = asyncio.run(invariants(url))
    verdict = survivor_bad == 0 and after_ok > 0 and stored == len(ok_sessions) and not problems
    return {
        "scenario": "kill -9 one of two server processes mid-load, restart it",
        "detail": (
            f"killed at {marks['killed']:.1f} s, serving again at {marks['back']:.1f} s. "
            f"Survivor: {_fmt(survivor)}. Killed node while down: {_fmt(killed_window)}. "
            f"Restarted node: {_fmt(after)}. Checkouts answered 200: {len(ok_sessions)}, "
            f"committed: {stored}. Invariants: {'; '.join(problems) or 'all hold'}."
        ),
        "verdict": verdict,
    }


def postgres_restart(bench: Bench) -> dict[str, Any]:
    """Restart the (private) PostgreSQL under load: fast 503s, /readyz says so, self-recovery."""
    if bench.cluster is None:
        return {
            "scenario": "PostgreSQL restarted mid-load",
            "detail": "skipped: only run against the benchmark's private cluster",
            "verdict": None,
        }
    url = prepare.database_url("vitrina_bench")
    port = free_port()
    store = bench.stack.start(
        "store-pg-restart",
        uvicorn_command("vitrina.main:app", port, bench.args.workers),
        {**bench.env, "DATABASE_URL": url},
        ready_url=f"http://127.0.0.1:{port}/readyz",
        url=f"http://127.0.0.1:{port}",
    )
    assert store.url
    base = store.url
    tokens, products = asyncio.run(_customers(bench, 120))
    cluster = bench.cluster
    ready: list[tuple[float, int | str]] = []
    marks: dict[str, float] = {}

    async def watch_ready(t0: float, until: float) -> None:
        async with httpx.AsyncClient(timeout=5) as http:
            while time.monotonic() - t0 < until:
                try:
                    status: int | str = (await http.get(f"{base}/readyz")).status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                ready.append((time.monotonic() - t0, status))
                await asyncio.sleep(0.25)

    async def scenario() -> list[Outcome]:
        seconds = 25.0
        t0 = time.monotonic()
        load = asyncio.create_task(drive(lambda _slot: base, tokens, products, seconds))
        watcher = asyncio.create_task(watch_ready(t0, seconds))
        await asyncio.sleep(6)
        marks["down"] = time.monotonic() - t0
        await asyncio.to_thread(cluster.stop, "fast")
        await asyncio.sleep(5)
        await asyncio.to_thread(cluster.start)
        marks["up"] = time.monotonic() - t0
        outcomes = await load
        await watcher
        return outcomes

    try:
        outcomes = asyncio.run(scenario())
    finally:
        bench.stack.stop(store)
    down, up = marks["down"], marks["up"]
    during = [o for o in outcomes if down <= o.at < up]
    statuses_during = Counter(str(o.status) for o in during)
    slow_failures = [o for o in during if o.status != 200 and o.elapsed > 6]
    five_hundreds = [o for o in outcomes if o.status == 500]
    ready_down = [s for t, s in ready if down + 0.5 <= t < up]
    recovered_at = next((t for t, s in ready if t >= up and s == 200), None)
    late = [o for o in outcomes if o.at >= (recovered_at or up) + 2]
    late_ok = sum(1 for o in late if o.status == 200)
    ok_sessions = {
        o.body["session_id"] for o in outcomes if o.kind == "checkout" and o.status == 200
    }
    stored = asyncio.run(committed(url, ok_sessions))
    problems = asyncio.run(invariants(url))
    verdict = (
        not five_hundreds
        and not slow_failures
        and bool(ready_down)
        and all(s == 503 for s in ready_down)
        and recovered_at is not None
        and late_ok > 0
        and stored == len(ok_sessions)
        and not problems
    )
    return {
        "scenario": "PostgreSQL (private cluster) stopped for 5 s mid-load, started again",
        "detail": (
            f"down {down:.1f}-{up:.1f} s. Answers while down: "
            f"{', '.join(f'{k}: {v}' for k, v in sorted(statuses_during.items()))}; "
            f"failures slower than 6 s: {len(slow_failures)}; 500s in the whole run: "
            f"{len(five_hundreds)} {_examples(five_hundreds)}. /readyz while down: "
            f"{_fmt(Counter(str(s) for s in ready_down))}; 200 again at "
            f"{recovered_at if recovered_at is None else round(recovered_at, 1)} s with no "
            f"restart of the store. Checkouts answered 200: {len(ok_sessions)}, committed: "
            f"{stored}. Invariants: {'; '.join(problems) or 'all hold'}."
        ),
        "verdict": verdict,
    }


def _examples(outcomes: list[Outcome]) -> str:
    seen = {f"{o.kind} -> {o.body.get('detail', '')}" for o in outcomes}
    return f"({'; '.join(sorted(seen)[:3])})" if seen else ""


def stripe_faults(bench: Bench) -> dict[str, Any]:
    """The emulator answers 500s, then is slow beyond the store's timeout; then recovers."""
    url = prepare.database_url("vitrina_bench")
    port = free_port()
    env = {
        **bench.env,
        "DATABASE_URL": url,
        "STRIPE_TIMEOUT_SECONDS": "2",
        "STRIPE_MAX_NETWORK_RETRIES": "1",
    }
    store = bench.stack.start(
        "store-stripe-faults",
        uvicorn_command("vitrina.main:app", port, bench.args.workers),
        env,
        ready_url=f"http://127.0.0.1:{port}/readyz",
        url=f"http://127.0.0.1:{port}",
    )
    assert store.url
    base = store.url
    tokens, products = asyncio.run(_customers(bench, 120))
    marks: dict[str, float] = {}
    synced: dict[str, int] = {}

    async def scenario() -> list[Outcome]:
        async with httpx.AsyncClient(base_url=bench.emulator_url, timeout=10) as control:
            return await faulty_stripe(control)

    async def faulty_stripe(control: httpx.AsyncClient) -> list[Outcome]:
        t0 = time.monotonic()
        load = asyncio.create_task(drive(lambda _slot: base, tokens, products, 24.0))
        await asyncio.sleep(4)
        await prepare.mark_due(url, DUE_PRODUCTS)
        await control.post("/_emulator/faults", json={"kind": "500", "seconds": 6})
        marks["failing"] = time.monotonic() - t0
        await asyncio.sleep(6)
        await control.post("/_emulator/faults", json={"kind": "slow", "delay": 5, "seconds": 6})
        marks["slow"] = time.monotonic() - t0
        await asyncio.sleep(6)
        await control.delete("/_emulator/faults")
        marks["healthy"] = time.monotonic() - t0
        synced["due_at_recovery"] = await prepare.count_due(url)
        outcomes = await load
        while time.monotonic() - t0 < marks["healthy"] + CATCH_UP_SECONDS:
            if not await prepare.count_due(url):
                break
            await asyncio.sleep(1)
        synced["due_after"] = await prepare.count_due(url)
        marks["caught_up"] = time.monotonic() - t0
        return outcomes

    try:
        outcomes = asyncio.run(scenario())
    finally:
        httpx.delete(f"{bench.emulator_url}/_emulator/faults")
        bench.stack.stop(store)
    faulty = [
        o
        for o in outcomes
        if o.kind == "checkout" and marks["failing"] + 1 <= o.at < marks["healthy"] - 1
    ]
    after = [o for o in outcomes if o.kind == "checkout" and o.at >= marks["healthy"] + 2]
    faulty_counts = Counter(str(o.status) for o in faulty)
    unclear = [o for o in faulty if o.status not in (200, 503)]
    basket_bad = [o for o in outcomes if o.kind == "basket" and o.status not in (200, 503)]
    details = sorted({str(o.body.get("detail")) for o in faulty if o.status == 503})[:2]
    after_ok = sum(1 for o in after if o.status == 200)
    problems = asyncio.run(invariants(url))
    catching_up = bench.args.no_worker or synced["due_after"] == 0
    verdict = (
        not unclear
        and faulty_counts.get("503", 0) > 0
        and after_ok > 0
        and not basket_bad
        and not problems
        and catching_up
    )
    return {
        "scenario": "Stripe emulator: 500s for 6 s, then 5 s slow (store timeout 2 s) for 6 s",
        "detail": (
            f"checkouts during the faults: {_fmt(faulty_counts)} ({' | '.join(details)}); "
            f"basket edits other than 200/503: {len(basket_bad)} {_examples(basket_bad)}; "
            f"checkouts 200 after recovery: {after_ok}/{len(after)}; {DUE_PRODUCTS} product "
            f"changes made due as the faults began: {synced['due_at_recovery']} still due at "
            f"recovery, {synced['due_after']} due {marks['caught_up'] - marks['healthy']:.0f} s "
            f"later. Invariants: {'; '.join(problems) or 'all hold'}."
        ),
        "verdict": verdict,
    }


def run_all(bench: Bench) -> list[dict[str, Any]]:
    """Every scenario; PostgreSQL is restarted only when it is the benchmark's own cluster."""
    results = []
    for scenario in (killed_server, stripe_faults, postgres_restart):
        print(f"fault scenario: {scenario.__name__}", flush=True)
        try:
            results.append(scenario(bench))
        except Exception as exc:  # a scenario that crashes is reported, not hidden
            results.append(
                {"scenario": scenario.__name__, "detail": f"crashed: {exc!r}", "verdict": False}
            )
    return results
