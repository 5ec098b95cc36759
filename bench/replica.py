"""A real streaming replica under load: reads move to it, and keep working when it stops.

    .venv/bin/python -m bench.replica [--seconds 10]

Uses `make bench`'s catalogue in the private cluster (bench/postgres.py) as the primary,
makes a streaming standby of it with `pg_basebackup -R` (data in
/var/tmp/vitrina-bench-replica, port 55433; made again each run), and starts two store
processes with `DATABASE_REPLICA_URL` pointing at it. Then, with wrk on the product list at
8 connections:

1. reads with the replica up: how many of the list's statements ran on the replica
   (`pg_stat_database.xact_commit` there), the replica's lag;
2. the replica is stopped (`pg_ctl stop -m immediate`) in the middle of a run: the answers
   while it goes away (a read that was on a replica connection at that instant fails once
   with 503, the rest go to the primary);
3. a run with the replica down: every answer from the primary;
4. the replica started again: reads go back to it within the check interval (5 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import subprocess
import threading
import time
from contextlib import ExitStack, suppress
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from bench import prepare, wrk
from bench.postgres import PG_BIN, Cluster, _as_postgres, private_cluster
from bench.run import server_env
from bench.stack import free_port, running_stack, uvicorn_command

REPLICA_DIR = Path(os.environ.get("VITRINA_BENCH_REPLICA_DATA", "/var/tmp/vitrina-bench-replica"))
REPLICA_PORT = int(os.environ.get("VITRINA_BENCH_REPLICA_PORT", "55433"))


def make_standby(primary: Cluster) -> Cluster:
    """A fresh streaming standby of `primary` (pg_basebackup -R), started."""
    standby = Cluster(REPLICA_DIR, REPLICA_PORT)
    if (REPLICA_DIR / "postmaster.pid").exists():
        with suppress(subprocess.CalledProcessError):
            standby.stop("immediate")
    shutil.rmtree(REPLICA_DIR, ignore_errors=True)
    _as_postgres(
        [str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port),
         "-U", "postgres", "-D", str(REPLICA_DIR), "-X", "stream", "-R"]
    )  # fmt: skip
    standby.start()
    return standby


def stop_quietly(cluster: Cluster) -> None:
    with suppress(subprocess.CalledProcessError):
        cluster.stop("immediate")


async def replica_facts(port: int) -> tuple[int, float]:
    """Transactions committed on the replica's catalogue database, and its lag in seconds."""
    conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{port}/vitrina_bench")
    try:
        commits = await conn.fetchval(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = 'vitrina_bench'"
        )
        lag = await conn.fetchval(
            "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
            "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"
        )
        return int(commits), float(lag or 0)
    finally:
        await conn.close()


def line(name: str, result: wrk.WrkResult, extra: str = "") -> str:
    return (
        f"{name:<44} {result.rps:7,.0f} req/s  p50 {result.p50_ms:6.1f} ms  "
        f"p99 {result.p99_ms:6.1f} ms  non-2xx {result.non_2xx}  socket errors "
        f"{result.socket_errors}{extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--products", type=int, default=10_000)
    args = parser.parse_args()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    out = Path(f"/tmp/vitrina-replica-{stamp}")
    with ExitStack() as resources:
        primary = resources.enter_context(private_cluster())
        prepare.ADMIN_DSN = primary.admin_dsn
        stack = resources.enter_context(running_stack(out / "logs"))
        url = prepare.database_url("vitrina_bench")
        replica_url = url.replace(f":{primary.port}/", f":{REPLICA_PORT}/")
        env = server_env(url, "http://127.0.0.1:9", "http://127.0.0.1:8000",
                         secrets.token_urlsafe(48), 16)  # fmt: skip
        prepare.ensure_catalog("vitrina_bench", args.products, env)
        standby = make_standby(primary)
        resources.callback(stop_quietly, standby)  # stopped whatever happens
        port = free_port()
        store = f"http://127.0.0.1:{port}"
        stack.start(
            "store",
            uvicorn_command("vitrina.main:app", port, 2),
            {**env, "PUBLIC_BASE_URL": store, "DATABASE_REPLICA_URL": replica_url},
            ready_url=f"{store}/readyz",
        )
        target = f"{store}/api/v1/products"

        def load(seconds: float | None = None) -> wrk.WrkResult:
            return wrk.run(target, seconds=seconds or args.seconds, connections=args.connections)

        load(2)
        before, lag = asyncio.run(replica_facts(REPLICA_PORT))
        up = load()
        after, _ = asyncio.run(replica_facts(REPLICA_PORT))
        print(line("replica up", up, f"; {after - before:,} reads on the replica, lag {lag:.1f} s"))

        stopper = threading.Timer(args.seconds / 2, lambda: standby.stop("immediate"))
        stopper.start()
        going = load()
        stopper.join()
        print(line("replica stopped mid-run", going))
        down = load()
        print(line("replica down", down))

        standby.start()
        time.sleep(6)  # one check interval
        before, _ = asyncio.run(replica_facts(REPLICA_PORT))
        back = load()
        after, lag = asyncio.run(replica_facts(REPLICA_PORT))
        print(line("replica started again", back,
                   f"; {after - before:,} reads on the replica, lag {lag:.1f} s"))  # fmt: skip
    print(f"logs: {out}")


if __name__ == "__main__":
    main()
