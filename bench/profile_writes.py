"""Where a write request spends its CPU: py-spy on one store process under wrk.

    .venv/bin/python -m bench.profile_writes [--seconds 10] [--connections 16]

Starts the private cluster, the emulator and ONE store process (`uvicorn --workers 1`, so
py-spy sees every request), prepares the `make bench` workload (basket editors, buyers with
full baskets, paid Checkout Sessions for the webhook), then for each write request runs wrk
while `py-spy record --format raw` samples the process. Printed per request: req/s, and the
share of samples (on CPU, GIL held) by stage (innermost library frame), the store's own
functions by inclusive time, and the server's CPU time per request (/proc: steadier than
req/s on a shared machine; py-spy's sampling adds a little). The raw stacks are kept in the
output folder for a flame graph (`flamegraph.pl` or speedscope).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import secrets
import subprocess
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from bench import prepare, wrk
from bench.postgres import private_cluster
from bench.run import API_KEY, WEBHOOK_SECRET, server_env
from bench.stack import VENV_BIN, free_port, running_stack, uvicorn_command
from bench.stack import vitrina_command as vitrina

STAGES = {
    "database driver (asyncpg)": ("asyncpg/",),
    "SQLAlchemy ORM/Core": ("sqlalchemy/",),
    "Stripe SDK + HTTPX": ("stripe/", "httpx/", "httpcore/"),
    "pydantic / FastAPI": ("pydantic", "fastapi/"),
    "JSON": ("json/", "orjson"),
    "auth (JWT)": ("jwt/", "accounts/security.py"),
    "logging": ("structlog/", "logging/"),
}


def _stage(frames: list[str]) -> str:
    """The stage of a sample: the innermost frame that belongs to one."""
    for frame in reversed(frames):
        for stage, needles in STAGES.items():
            if any(n in frame for n in needles):
                return stage
        if "vitrina/" in frame:
            return "the store's own code"
    return "server, event loop, other"


def _function(frame: str) -> str:
    name, _, where = frame.partition(" (")
    return f"{name} ({where.split(':')[0].split('vitrina/')[-1]})"


def summarise(raw: Path, top: int = 14) -> list[str]:
    """Own time per stage, and inclusive time under the store's own functions."""
    stages: collections.Counter[str] = collections.Counter()
    under: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        stages[_stage(frames)] += count
        for name in {_function(f) for f in frames if "vitrina/" in f and "__call__" not in f}:
            under[name] += count
    if not total:
        return ["  (no samples)"]
    lines = [f"  {total} samples; own time by stage:"]
    lines += [f"    {n / total:6.1%}  {stage}" for stage, n in stages.most_common()]
    lines.append("  inclusive time under the store's functions (middlewares left out):")
    lines += [f"    {n / total:6.1%}  {name[:100]}" for name, n in under.most_common(top)]
    return lines


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--checkout-users", type=int, default=1000)
    parser.add_argument(
        "--src",
        type=Path,
        default=None,
        help="Serve the store from this source tree instead (before/after on the same "
        "machine in the same minutes: `git archive main src | tar -x -C /tmp/main`).",
    )
    args = parser.parse_args()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    out = args.out or Path(f"/tmp/vitrina-profile-{stamp}")
    out.mkdir(parents=True, exist_ok=True)
    with ExitStack() as resources:
        cluster = resources.enter_context(private_cluster())
        prepare.ADMIN_DSN = cluster.admin_dsn
        stack = resources.enter_context(running_stack(out / "logs"))
        emulator_port = free_port()
        emulator_url = f"http://127.0.0.1:{emulator_port}"
        url = prepare.database_url("vitrina_bench")
        env = server_env(url, emulator_url, "http://127.0.0.1:8000", secrets.token_urlsafe(48), 16)
        prepare.ensure_catalog("vitrina_bench", args.products, env)
        asyncio.run(prepare.reset_activity(url))
        settings = prepare.bench_settings(url, env)
        workload = asyncio.run(
            prepare.prepare_workload(
                settings, out, basket_users=200, checkout_users=args.checkout_users
            )
        )
        stack.start(
            "emulator",
            vitrina("stripe-emulator", "--port", str(emulator_port)),
            env,
            ready_url=f"{emulator_url}/_emulator/clock",
        )
        port = free_port()
        store_url = f"http://127.0.0.1:{port}"
        store = stack.start(
            "store",
            uvicorn_command("vitrina.main:app", port, 1),
            {**env, "PUBLIC_BASE_URL": store_url}
            | ({"PYTHONPATH": str(args.src.resolve())} if args.src else {}),
            ready_url=f"{store_url}/readyz",
            url=store_url,
        )
        pid = store.worker_pids()[0] if store.worker_pids() else store.process.pid

        def measured(requests_file: Path, table: str | None = None) -> tuple[wrk.WrkResult, str]:
            """A wrk run without py-spy: req/s and the server's CPU ms per request (and per
            row made in `table`: checkouts and webhooks also answer cheap repeats)."""
            made = asyncio.run(prepare.count_rows(url, table)) if table else 0
            cpu_before = cpu_seconds(pid)
            result = wrk.run(
                f"{store_url}/",
                seconds=args.seconds,
                connections=args.connections,
                requests_file=requests_file,
            )
            cpu = (cpu_seconds(pid) - cpu_before) * 1000
            text = f"server CPU {cpu / max(result.requests, 1):.1f} ms per request"
            if table:
                made = asyncio.run(prepare.count_rows(url, table)) - made
                text += f", {cpu / max(made, 1):.1f} ms per row made in {table} ({made})"
            return result, text

        def profiled(name: str, plain: Path, sampled: Path, table: str | None = None) -> None:
            result, cpu = measured(plain, table)
            print(f"\n{name}: {result.rps:,.0f} req/s, p50 {result.p50_ms:.1f} ms, "
                  f"p99 {result.p99_ms:.1f} ms, errors {result.errors}; {cpu}")  # fmt: skip
            raw = out / f"{name}.raw"
            spy = subprocess.Popen(
                [str(VENV_BIN / "py-spy"), "record", "--format", "raw", "--gil", "-r", "100",
                 "-o", str(raw), "--pid", str(pid), "-d", str(round(args.seconds))],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            measured(sampled)
            spy.wait(timeout=60)
            print("\n".join(summarise(raw)))

        profiled("basket", workload.basket_file, workload.basket_file)
        profiled("checkout", workload.checkout_file, workload.checkout_file, "checkout_sessions")
        sessions = asyncio.run(prepare.open_sessions(url, "buyer-"))
        halves = [out / "webhook-1.tsv", out / "webhook-2.tsv"]
        for half, ids in zip(halves, (sessions[::2], sessions[1::2]), strict=True):
            asyncio.run(prepare.complete_and_sign(emulator_url, API_KEY, ids, WEBHOOK_SECRET, half))
        profiled("webhook", *halves, "orders")
    print(f"\nraw stacks: {out}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
