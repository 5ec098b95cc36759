"""Processes the benchmark starts, and stops again whatever happens.

Every child runs in its own session (process group), so stopping it also stops what it forked
(uvicorn's worker processes). `Stack` is a context manager; SIGTERM/SIGINT to the benchmark
raise SystemExit so that the `finally` runs and nothing is left behind.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PAGE_SIZE = 4096


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def vitrina_command(*args: str) -> list[str]:
    return [str(VENV_BIN / "vitrina"), *args]


def uvicorn_command(target: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", target,
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    url: str | None
    log_path: Path

    @property
    def pgid(self) -> int:
        return self.process.pid

    def group_pids(self) -> list[int]:
        """The process and everything in its process group (uvicorn's workers)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == self.pgid:
                pids.append(int(entry.name))
        return pids

    def rss_bytes(self) -> int:
        """Resident memory of the whole process group, from /proc/<pid>/statm."""
        total = 0
        for pid in self.group_pids():
            try:
                resident = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
            except (OSError, IndexError, ValueError):
                continue
            total += resident * PAGE_SIZE
        return total

    def worker_pids(self) -> list[int]:
        return [pid for pid in self.group_pids() if pid != self.process.pid]

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> None:
        if self.process.poll() is not None:
            _signal_group(self.pgid, signal.SIGKILL)
            return
        _signal_group(self.pgid, sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal_group(self.pgid, signal.SIGKILL)
            self.process.wait(timeout=timeout)
        _signal_group(self.pgid, signal.SIGKILL)


def _signal_group(pgid: int, sig: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def wait_until_up(url: str, service: Service, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not service.alive():
            raise RuntimeError(
                f"{service.name} exited ({service.process.returncode}); see {service.log_path}"
            )
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{service.name} did not answer {url}; see {service.log_path}")


@dataclass
class Stack:
    """The services of one benchmark run; all stopped on exit."""

    log_dir: Path
    services: list[Service] = field(default_factory=list)

    def start(
        self,
        name: str,
        argv: Sequence[str],
        env: dict[str, str],
        *,
        ready_url: str | None = None,
        url: str | None = None,
    ) -> Service:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                list(argv),
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        service = Service(name, process, url, log_path)
        self.services.append(service)
        if ready_url:
            wait_until_up(ready_url, service)
        return service

    def stop(self, service: Service) -> None:
        service.stop()
        if service in self.services:
            self.services.remove(service)

    def stop_all(self) -> None:
        for service in reversed(self.services):
            service.stop()
        self.services.clear()


def _raise_exit(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def running_stack(log_dir: Path) -> Iterator[Stack]:
    previous = {sig: signal.signal(sig, _raise_exit) for sig in (signal.SIGTERM, signal.SIGHUP)}
    stack = Stack(log_dir)
    try:
        yield stack
    finally:
        stack.stop_all()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
