"""`make bench`: the store on PostgreSQL under wrk, against a floor measured in the same run.

    .venv/bin/python -m bench.run                      # quick: 10k products, short runs
    .venv/bin/python -m bench.run --products 100000 --seconds 10 --soak-seconds 600
    .venv/bin/python -m bench.run --scaling 10000,100000,1000000   # the 1M step loads for minutes
    .venv/bin/python -m bench.run --faults             # kill -9 a server, emulator faults
    .venv/bin/python -m bench.run --write-docs         # also rewrite docs/benchmarks.md

It starts, in their own process groups (all stopped on exit): the Stripe emulator
(`vitrina stripe-emulator`), the store (`uvicorn vitrina.main:app --workers N`), the floor
(`uvicorn bench.floor:app --workers N`) and a sync worker (`vitrina worker`), then drives
load with wrk from its own process on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import threading
import time
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from bench import prepare, report, wrk
from bench.machine import describe
from bench.postgres import Cluster, private_cluster
from bench.stack import ROOT, Service, Stack, free_port, running_stack, uvicorn_command
from bench.stack import vitrina_command as vitrina

console = Console(width=160)
API_KEY = "sk_test_vitrina_bench"
WEBHOOK_SECRET = "whsec_vitrina_bench"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=10_000, help="Main run's catalog.")
    parser.add_argument("--workers", type=int, default=2, help="Server processes.")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--pool-size",
        type=int,
        default=32,
        help="Database connections per process, the store's DATABASE_POOL_SIZE and the "
        "floor's pool alike; enough for each process's share of the connections, so that "
        "requests never queue for one (a queue there is unfair and makes the p99).",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads.")
    parser.add_argument("--seconds", type=float, default=5, help="Each wrk run.")
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="The basket update and its floor run in turns, this many times each (each "
        "round --seconds/rounds, at least 2 s): a host that slows for a while slows both.",
    )
    parser.add_argument("--soak-seconds", type=float, default=30)
    parser.add_argument("--scaling", default="10000,100000", help="Catalog sizes; '' for none.")
    parser.add_argument("--checkout-users", type=int, default=1500)
    parser.add_argument(
        "--webhook-sessions",
        type=int,
        default=2500,
        help="Paid Checkout Sessions for EACH side's webhook run (store and floor alike): "
        "enough that neither runs out and answers replays during the run.",
    )
    parser.add_argument("--no-worker", action="store_true", help="Run no sync worker.")
    parser.add_argument(
        "--sync-backlog",
        action="store_true",
        help="Every product due for Stripe sync (as after a bulk import): the worker works "
        "through the run instead of idling.",
    )
    parser.add_argument(
        "--writes-only",
        action="store_true",
        help="Only the three writes against their floors (no reads, soak or scaling).",
    )
    parser.add_argument(
        "--reads-only",
        action="store_true",
        help="Only the four reads against their floors, at 64 and 8 connections (no writes, "
        "soak or scaling).",
    )
    parser.add_argument("--faults", action="store_true", help="Run the fault scenarios too.")
    parser.add_argument("--fresh", action="store_true", help="Reload the catalogs.")
    parser.add_argument(
        "--shared-pg",
        action="store_true",
        help="Use the machine's PostgreSQL (VITRINA_BENCH_PG) instead of a private cluster.",
    )
    parser.add_argument("--write-docs", action="store_true", help="Rewrite docs/benchmarks.md.")
    parser.add_argument("--out", type=Path, default=None, help="Where logs and results go.")
    return parser.parse_args()


def server_env(
    url: str, emulator_url: str, public_url: str, jwt_secret: str, pool_size: int
) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "JWT_SECRET": jwt_secret,
        "ACCESS_TOKEN_MINUTES": "240",
        "STRIPE_API_KEY": API_KEY,
        "STRIPE_API_BASE": emulator_url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "PUBLIC_BASE_URL": public_url,
        "LOG_LEVEL": "WARNING",
        "MAIL_BACKEND": "memory",
        "RUN_EMBEDDED_WORKER": "false",
        "DATABASE_POOL_SIZE": str(pool_size),
        "FLOOR_POOL_SIZE": str(pool_size),
    }


def made_per_second(result: wrk.WrkResult, made: int) -> wrk.WrkResult:
    """The run's rate of rows made (sessions, orders) instead of its answers per second,
    which also count the cheap ones (an open session handed back, a replayed event)."""
    return replace(result, rps=made / result.seconds if result.seconds else 0.0)


def start_store(stack: Stack, name: str, env: dict[str, str], workers: int) -> Service:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    return stack.start(
        name,
        uvicorn_command("vitrina.main:app", port, workers),
        {**env, "PUBLIC_BASE_URL": url},
        ready_url=f"{url}/readyz",
        url=url,
    )


class RssSampler:
    """RSS of a service's process group, sampled every second in a thread."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self.samples.append(self.service.rss_bytes())

    def __enter__(self) -> RssSampler:
        self.samples.append(self.service.rss_bytes())
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(self.service.rss_bytes())


class Bench:
    def __init__(self, args: argparse.Namespace, stack: Stack, out: Path) -> None:
        self.args = args
        self.stack = stack
        self.out = out
        self.jwt_secret = secrets.token_urlsafe(48)
        self.cluster: Cluster | None = None
        self.emulator_url = ""
        self.env: dict[str, str] = {}
        self.report = report.Report(
            machine=describe(prepare.ADMIN_DSN),
            settings={
                "products": args.products,
                "workers": args.workers,
                "pool_size": args.pool_size,
                "connections": args.connections,
                "seconds": args.seconds,
                "wrk_threads": args.threads,
                "sync_worker": not args.no_worker,
                "sync_backlog": args.sync_backlog,
                "started": datetime.now(UTC).isoformat(timespec="seconds"),
            },
        )

    def wrk(self, url: str, **options: Any) -> wrk.WrkResult:
        options.setdefault("seconds", self.args.seconds)
        options.setdefault("connections", self.args.connections)
        options.setdefault("threads", self.args.threads)
        return wrk.run(url, **options)

    def peak(self, store: Service, floor: Service, workload: prepare.Workload) -> None:
        if self.args.writes_only:
            self.checkout_and_webhook(store, floor, workload)
            return
        a, f = store.url, floor.url
        console.print("[bold]Warming up[/bold]")
        for url in (f"{a}/api/v1/products", f"{a}{workload.detail_path}", f"{f}/sql/list"):
            self.wrk(url, seconds=2)
        rows = self.report.rows
        const = self.wrk(f"{f}/const")
        rows.append(report.Row("floor: constant JSON, bare ASGI", const))
        rows.append(report.Row("GET /healthz", self.wrk(f"{a}/healthz"), "constant JSON", const))
        reads = {
            "product list": ("/api/v1/products", "list"),
            "product detail": (workload.detail_path, "detail"),
            "product detail, options": (workload.options_path, "options"),
            "search": (f"/api/v1/products?q={prepare.SEARCH_PARAM}", "search"),
        }
        light = report.LIGHT_CONNECTIONS
        for label, (path, sql) in reads.items():
            console.print(f"[bold]{label}[/bold]")
            bare = self.wrk(f"{f}/sql/{sql}")
            rows.append(report.Row(f"floor: {label}, same SQL via asyncpg", bare))
            row = report.Row(f"GET {path} ({label})", self.wrk(f"{a}{path}"))
            row.floor, row.floor_result = f"same SQL via asyncpg ({sql})", bare
            report.judge_read(row, report.READ_SHARE.get(label, report.THROUGHPUT_SHARE))
            rows.append(row)
            calm = self.wrk(f"{a}{path}", connections=light)
            rows.append(report.Row(f"GET {path} ({label})", calm, note=f"{light} connections"))
            self.report.verdicts.append(report.peak_verdict(label, row, self.args.connections))
            self.report.verdicts.append(report.light_verdict(label, calm, self.args.products))
        if not self.args.reads_only:
            self.checkout_and_webhook(store, floor, workload)

    def in_turns(
        self, floor: tuple[str, Path], store: tuple[str, Path]
    ) -> tuple[wrk.WrkResult, wrk.WrkResult]:
        """The floor and the store, each a (url, requests file), run in turns `--rounds`
        times, each result the rounds combined (`wrk.combined`). One run each gives whichever
        runs second the host's worse minute (the basket's floor measured 376 to 1,201 req/s
        from one run to the next on this shared machine); in turns, both meet it."""
        rounds = max(1, self.args.rounds)
        seconds = max(2.0, self.args.seconds / rounds)
        floors: list[wrk.WrkResult] = []
        stores: list[wrk.WrkResult] = []
        for _ in range(rounds):
            floors.append(self.wrk(floor[0], requests_file=floor[1], seconds=seconds))
            stores.append(self.wrk(store[0], requests_file=store[1], seconds=seconds))
        return wrk.combined(floors), wrk.combined(stores)

    def write_row(
        self,
        name: str,
        result: wrk.WrkResult,
        bare: wrk.WrkResult,
        floor_label: str,
        note: str,
        p99_ms: float | None = None,
        unit: str = "req/s",
    ) -> None:
        """A write request against its floor: >= 50% of the floor's rate (and a p99 bound);
        `unit`: what the rate counts."""
        rows = self.report.rows
        rows.append(report.Row(f"floor: {floor_label}", bare))
        row = report.Row(name, result, note=note)
        row.floor, row.floor_result = floor_label, bare
        report.judge_write(row, p99_ms)
        rows.append(row)
        self.report.verdicts.append(report.write_verdict(name, row, p99_ms, unit))

    def check_invariants(self, after: str) -> None:
        from bench.faults import invariants

        url = prepare.database_url("vitrina_bench")
        problems = asyncio.run(invariants(url)) + asyncio.run(prepare.order_problems(url))
        verdict = report.Verdict(
            target=f"invariants after {after}: no oversell, 0 negative stock, "
            "one order per payment",
            measured="; ".join(problems) or "all hold",
            passed=not problems,
        )
        self.report.verdicts.append(verdict)

    def reconcile(self) -> None:
        done = subprocess.run(
            vitrina("reconcile"), env=self.env, cwd=ROOT, capture_output=True, text=True
        )
        (self.out / "reconcile.txt").write_text(done.stdout + done.stderr)
        differences = done.stdout.count("│ ") // 5 if done.returncode else 0
        self.report.verdicts.append(
            report.Verdict(
                target="reconcile clean after the write runs (`vitrina reconcile`)",
                measured="the store and Stripe agree"
                if done.returncode == 0
                else f"differences (about {differences}), see {self.out / 'reconcile.txt'}",
                passed=done.returncode == 0,
            )
        )

    def checkout_and_webhook(
        self, store: Service, floor: Service, workload: prepare.Workload
    ) -> None:
        url = prepare.database_url("vitrina_bench")
        console.print("[bold]basket update[/bold]")
        bare, basket = self.in_turns(
            (f"{floor.url}/", workload.floor_basket_file), (f"{store.url}/", workload.basket_file)
        )
        self.write_row(
            "PUT /api/v1/basket/items/{id}",
            basket,
            bare,
            "basket update, same SQL via asyncpg",
            f"200 customers, {self.args.connections} conn.",
            p99_ms=report.P99_BASKET_MS,
        )
        self.check_invariants("basket updates")
        console.print("[bold]checkout[/bold]")
        before = asyncio.run(prepare.count_rows(url, "checkout_sessions"))
        bare = self.wrk(f"{floor.url}/", requests_file=workload.floor_checkout_file, connections=16)
        made_by_floor = asyncio.run(prepare.count_rows(url, "checkout_sessions")) - before
        result = self.wrk(f"{store.url}/", requests_file=workload.checkout_file, connections=16)
        created = asyncio.run(prepare.count_rows(url, "checkout_sessions")) - before - made_by_floor
        users = workload.checkout_users
        handed_back = max(result.requests - created, 0), max(bare.requests - made_by_floor, 0)
        # One buyer per line and wrk cycles through its lines: a side that hands back an open
        # session has used up its buyers, and its rate of sessions made no longer counts.
        ran_out = max(created, made_by_floor) >= users or any(handed_back)
        self.write_row(
            "POST /api/v1/checkout",
            made_per_second(result, created),
            made_per_second(bare, made_by_floor),
            "checkout, same SQL + Stripe calls",
            f"16 conn.; sessions made/s: {created} made (floor {made_by_floor}) of {users} "
            f"buyers each; {handed_back[0]} answers handing back an open one (floor "
            f"{handed_back[1]})" + ("; RAN OUT of buyers: not comparable" if ran_out else ""),
            unit="sessions made/s",
        )
        self.check_invariants("checkouts")
        self.webhooks(store, floor, workload)

    def webhooks(self, store: Service, floor: Service, workload: prepare.Workload) -> None:
        """Each side gets the same number of distinct paid sessions; the ratio is of orders
        made per second, replays (an event already handled) counted apart."""
        url = prepare.database_url("vitrina_bench")
        count = self.args.webhook_sessions
        settings = prepare.bench_settings(url, self.env)
        events_file = self.out / "webhook.tsv"
        floor_events = self.out / "floor-webhook.tsv"
        console.print(f"[bold]webhook: preparing {count:,} paid sessions per side[/bold]")
        signed = asyncio.run(
            prepare.paid_sessions(settings, workload, count, "wh-buyer", events_file)
        )
        floor_signed = asyncio.run(
            prepare.paid_sessions(
                settings, workload, count, "floor-wh-buyer", floor_events, path="/w/webhook"
            )
        )
        if not signed or signed != floor_signed:
            self.report.notes.append(
                f"webhook: {signed} and {floor_signed} paid sessions prepared; not measured"
            )
            return
        console.print(f"[bold]webhook ({signed:,} distinct paid sessions each)[/bold]")
        orders_before = asyncio.run(prepare.count_rows(url, "orders"))
        bare = self.wrk(f"{floor.url}/", requests_file=floor_events, connections=16)
        floor_orders = asyncio.run(prepare.count_rows(url, "orders")) - orders_before
        result = self.wrk(f"{store.url}/", requests_file=events_file, connections=16)
        orders = asyncio.run(prepare.count_rows(url, "orders")) - orders_before - floor_orders
        # wrk counts the answers it read; a request still in flight when it stopped made
        # its order all the same, so a replay is an answer beyond the orders made.
        replays = max(result.requests - orders, 0)
        floor_replays = max(bare.requests - floor_orders, 0)
        ran_out = max(orders, floor_orders) >= signed or replays + floor_replays > 0
        self.report.settings["webhook"] = {
            "sessions_each": signed,
            "store_orders": orders,
            "store_replays": replays,
            "floor_orders": floor_orders,
            "floor_replays": floor_replays,
            "store_orders_per_s": orders / result.seconds,
            "floor_orders_per_s": floor_orders / bare.seconds,
        }
        self.write_row(
            "POST /api/v1/stripe/webhook",
            made_per_second(result, orders),
            made_per_second(bare, floor_orders),
            "webhook -> order, same SQL + Stripe retrieve",
            f"16 conn.; orders/s from {signed:,} distinct paid sessions each: {orders:,} orders "
            f"(floor {floor_orders:,}); replays answered: {replays} (floor {floor_replays})"
            + ("; RAN OUT of sessions: not comparable" if ran_out else ""),
            unit="orders/s",
        )
        # Every paid session reaches its server (the timed runs stop before the last
        # events), then the books are compared.
        undelivered = asyncio.run(prepare.deliver_all(store.url, events_file))
        undelivered += asyncio.run(prepare.deliver_all(floor.url, floor_events))
        if undelivered:
            self.report.notes.append(f"webhook: {undelivered} events refused when delivered again")
        self.check_invariants("webhooks")
        self.reconcile()

    def soak(self, store: Service, workload: prepare.Workload) -> None:
        """Hold ~70% of the read mix's own peak (measured first, unpaced) and watch RSS."""
        connections = 16
        peak = self.wrk(f"{store.url}/", requests_file=workload.soak_file, connections=connections)
        target = 0.7 * peak.rps
        pause = max(1.0, connections * 1000 / target - peak.p50_ms)
        seconds = self.args.soak_seconds
        mix_peak = peak.rps
        console.print(f"[bold]Soak {seconds:.0f} s at ~{target:,.0f} req/s[/bold]")
        with RssSampler(store) as rss:
            result = self.wrk(
                f"{store.url}/",
                requests_file=workload.soak_file,
                connections=connections,
                seconds=seconds,
                pause_ms=pause,
            )
        warm = rss.samples[min(len(rss.samples) - 1, max(1, len(rss.samples) // 10))]
        growth = (rss.samples[-1] - warm) / warm
        self.report.soak = {
            "seconds": seconds,
            "target_rps": target,
            "mix_peak_rps": mix_peak,
            "share_of_peak": result.rps / mix_peak,
            "rps": result.rps,
            "p50_ms": result.p50_ms,
            "p99_ms": result.p99_ms,
            "errors": result.errors,
            "rss_start": warm,
            "rss_end": rss.samples[-1],
            "rss_max": max(rss.samples),
            "growth": growth,
            "verdict": growth < report.RSS_GROWTH and result.errors == 0,
        }

    def scaling(self, env: dict[str, str]) -> None:
        sizes = [int(s) for s in self.args.scaling.split(",") if s.strip()]
        for size in sizes:
            name = prepare.database_name(size, self.args.products)
            console.print(f"[bold]Scaling step: {size:,} products ({name})[/bold]")
            loaded = prepare.ensure_catalog(name, size, env, fresh=self.args.fresh)
            if loaded:
                self.report.notes.append(f"loaded {size:,} products in {loaded:.0f} s (COPY)")
            url = prepare.database_url(name)
            store = start_store(
                self.stack, f"store-{size}", {**env, "DATABASE_URL": url}, self.args.workers
            )
            try:
                paths = {"list": "/api/v1/products", "search": "/api/v1/products?q=walnut+chair"}
                for endpoint, path in paths.items():
                    self.wrk(f"{store.url}{path}", seconds=2)
                    r = self.wrk(f"{store.url}{path}")
                    light = self.wrk(f"{store.url}{path}", connections=report.LIGHT_CONNECTIONS)
                    step: dict[str, Any] = {
                        "products": size,
                        "endpoint": f"{endpoint} ({path})",
                        "rps": r.rps,
                        "p50_ms": r.p50_ms,
                        "p99_ms": r.p99_ms,
                        "errors": r.errors + light.errors,
                        "light_p50_ms": light.p50_ms,
                        "light_p99_ms": light.p99_ms,
                    }
                    # The restated target (issue 20) at every size: the p99 at 8 connections
                    # (at 64 it is the CPU queue, judged against the floor in the peak table).
                    label = "product list" if endpoint == "list" else "search"
                    limit = report.P99_LIGHT_MS[label]
                    step["target"] = f"p99 ≤ {limit:.0f} ms at {report.LIGHT_CONNECTIONS} conn."
                    step["verdict"] = light.p99_ms <= limit and step["errors"] == 0
                    if size >= 1_000_000 or size == max(sizes):
                        self.report.verdicts.append(report.light_verdict(label, light, size))
                    self.report.scaling.append(step)
            finally:
                self.stack.stop(store)

    def run(self) -> None:
        args = self.args
        emulator_port = free_port()
        self.emulator_url = f"http://127.0.0.1:{emulator_port}"
        url = prepare.database_url("vitrina_bench")
        env = server_env(
            url, self.emulator_url, "http://127.0.0.1:8000", self.jwt_secret, args.pool_size
        )
        console.print(f"[bold]Catalog: {args.products:,} products in vitrina_bench[/bold]")
        loaded = prepare.ensure_catalog("vitrina_bench", args.products, env, fresh=args.fresh)
        if loaded:
            self.report.notes.append(f"loaded {args.products:,} products in {loaded:.0f} s (COPY)")
        self.env = env
        asyncio.run(prepare.reset_activity(url, sync_backlog=args.sync_backlog))
        settings = prepare.bench_settings(url, env)
        workload = asyncio.run(
            prepare.prepare_workload(
                settings, self.out, basket_users=200, checkout_users=args.checkout_users
            )
        )
        sql_file = self.out / "floor.pickle"
        queries = asyncio.run(
            prepare.capture_sql(
                settings,
                {
                    "list": "/api/v1/products",
                    "detail": workload.detail_path,
                    "options": workload.options_path,
                    "search": f"/api/v1/products?q={prepare.SEARCH_PARAM}",
                },
                sql_file,
            )
        )
        self.report.settings["queries_per_request"] = queries
        self.stack.start(
            "emulator",
            vitrina("stripe-emulator", "--port", str(emulator_port)),
            env,
            ready_url=f"{self.emulator_url}/_emulator/clock",
        )
        store = start_store(self.stack, "store", env, args.workers)
        floor_port = free_port()
        floor = self.stack.start(
            "floor",
            uvicorn_command("bench.floor:app", floor_port, args.workers),
            {**env, "FLOOR_DSN": prepare.asyncpg_dsn(url), "FLOOR_SQL": str(sql_file)},
            ready_url=f"http://127.0.0.1:{floor_port}/const",
            url=f"http://127.0.0.1:{floor_port}",
        )
        if not args.no_worker:
            self.stack.start("worker", vitrina("worker"), env)
        self.peak(store, floor, workload)
        if args.writes_only or args.reads_only:
            return
        self.soak(store, workload)
        self.stack.stop(floor)
        if not args.no_worker:
            pushed = asyncio.run(prepare.count_pushed(url))
            self.report.notes.append(
                f"sync worker: {pushed:,} products pushed to the emulator during the run"
                + (" (backlog of the whole catalog)" if args.sync_backlog else " (catalog in sync)")
            )
        if args.faults:
            from bench import faults

            self.report.faults = faults.run_all(self)
        self.stack.stop(store)
        self.scaling(env)


def main() -> None:
    args = arguments()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    out = args.out or Path(f"/tmp/vitrina-bench-{stamp}")
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with ExitStack() as resources:
        if not args.shared_pg:
            cluster = resources.enter_context(private_cluster())
            prepare.ADMIN_DSN = cluster.admin_dsn
        stack = resources.enter_context(running_stack(out / "logs"))
        bench = Bench(args, stack, out)
        bench.cluster = None if args.shared_pg else cluster
        try:
            bench.run()
        finally:
            bench.report.settings["elapsed_seconds"] = round(time.monotonic() - started)
            report.print_report(bench.report, console)
            (out / "results.json").write_text(json.dumps(bench.report.as_json(), indent=2))
            console.print(f"Results and logs: {out}")
    if args.write_docs:
        from bench.docs import write_benchmarks_md

        write_benchmarks_md(bench.report, ROOT / "docs" / "benchmarks.md", sys_argv())


def sys_argv() -> str:
    import sys

    return " ".join([".venv/bin/python -m bench.run", *sys.argv[1:]])


if __name__ == "__main__":
    main()
