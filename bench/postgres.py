"""A PostgreSQL cluster of the benchmark's own (same server binaries as the machine's).

The machine's PostgreSQL is shared with everyone's test runs (100 connections in all), so the
benchmark runs its databases in a private cluster: its own connection limit, and it can be
restarted mid-load (the fault scenario) without touching anyone else. The data directory is
kept between runs so that loaded catalogs are reused. `--shared-pg` uses VITRINA_BENCH_PG
instead.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

PG_BIN = Path(os.environ.get("VITRINA_BENCH_PG_BIN", "/usr/lib/postgresql/15/bin"))
DATA_DIR = Path(os.environ.get("VITRINA_BENCH_PGDATA", "/var/tmp/vitrina-bench-pg"))
PORT = int(os.environ.get("VITRINA_BENCH_PG_PORT", "55432"))
SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "max_connections": "300",
    "shared_buffers": "512MB",
    "work_mem": "8MB",
    "maintenance_work_mem": "256MB",
    "synchronous_commit": "on",
    "unix_socket_directories": "/tmp",
}


def _as_postgres(argv: list[str], **options: object) -> subprocess.CompletedProcess[str]:
    """Run a server binary as the `postgres` user when we are root (initdb refuses root)."""
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(argv, text=True, capture_output=True, check=True, **options)  # type: ignore[call-overload, no-any-return]


@dataclass(frozen=True)
class Cluster:
    data_dir: Path
    port: int

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        options = " ".join(f"-c {key}={value}" for key, value in SETTINGS.items())
        _as_postgres(
            [
                str(PG_BIN / "pg_ctl"), "-D", str(self.data_dir), "-l",
                str(self.data_dir / "server.log"), "-o", f"-p {self.port} {options}",
                "-w", "-t", "60", *args,
            ]
        )  # fmt: skip

    def start(self) -> None:
        self._ctl("start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("stop", "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        self._ctl("restart", "-m", mode)

    def version(self) -> str:
        return (self.data_dir / "PG_VERSION").read_text().strip()


def _initdb(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        postgres = pwd.getpwnam("postgres")
        shutil.chown(data_dir, postgres.pw_uid, postgres.pw_gid)
    data_dir.chmod(0o700)
    _as_postgres(
        [str(PG_BIN / "initdb"), "-D", str(data_dir), "-U", "postgres", "--auth=trust",
         "--encoding=UTF8", "--locale=C.UTF-8"]
    )  # fmt: skip


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    """The benchmark's cluster, started for the `with` block and stopped after it."""
    if not (DATA_DIR / "PG_VERSION").exists():
        _initdb(DATA_DIR)
    cluster = Cluster(DATA_DIR, PORT)
    pid_file = DATA_DIR / "postmaster.pid"
    if pid_file.exists():
        try:
            cluster.stop("immediate")
        except subprocess.CalledProcessError:
            pid_file.unlink(missing_ok=True)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


async def run_sql(dsn: str, sql: str) -> None:
    """Run `sql` (one statement or several) on a connection of its own, closed after."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql, timeout=3600)
    finally:
        await conn.close()
