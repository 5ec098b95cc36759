"""Store processes (`uvicorn vitrina.main:app`) and sync workers (`vitrina worker`) started
from a test against its database and emulator, in their own process groups."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from proof.conftest import free_port
from vitrina.config import Settings
from vitrina.payments.client import webhook_secret

BIN = Path(sys.executable).parent


def environment(settings: Settings) -> dict[str, str]:
    assert settings.stripe_api_key is not None and settings.stripe_api_base
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "JWT_SECRET": settings.jwt_secret.get_secret_value(),
        "STRIPE_API_KEY": settings.stripe_api_key.get_secret_value(),
        "STRIPE_API_BASE": settings.stripe_api_base,
        "STRIPE_WEBHOOK_SECRET": webhook_secret(settings),
        "STRIPE_MAX_NETWORK_RETRIES": "0",
        "PUBLIC_BASE_URL": settings.public_base_url,
        "MAIL_BACKEND": "memory",
        "LOG_LEVEL": "WARNING",
        "RUN_EMBEDDED_WORKER": "false",
        "DATABASE_POOL_SIZE": "5",
    }


@dataclass
class Machines:
    """What would run on separate hosts: store processes and workers, one database."""

    stores: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            argv,
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_until_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"store process exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not become ready")


@contextmanager
def machines(
    settings: Settings, workdir: Path, stores: int = 2, workers: int = 2
) -> Iterator[Machines]:
    env = environment(settings)
    running = Machines()
    try:
        for _ in range(stores):
            port = free_port()
            argv = [sys.executable, "-m", "uvicorn", "vitrina.main:app", "--port", str(port)]
            process = running.start(argv, env, workdir)
            running.stores.append(f"http://127.0.0.1:{port}")
            _wait_until_ready(running.stores[-1], process)
        for _ in range(workers):
            running.start([str(BIN / "vitrina"), "worker", "--poll-interval", "0.2"], env, workdir)
        yield running
    finally:
        running.stop()
