"""Two real app processes (uvicorn) sharing one PostgreSQL: still no overselling."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from fixtures.servers import free_port
from vitrina.basket.models import StockReservation
from vitrina.config import Settings

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]


def _environment(settings: Settings) -> dict[str, str]:
    assert settings.stripe_api_key is not None and settings.stripe_api_base
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "JWT_SECRET": settings.jwt_secret.get_secret_value(),
        "STRIPE_API_KEY": settings.stripe_api_key.get_secret_value(),
        "STRIPE_API_BASE": settings.stripe_api_base,
        "STRIPE_MAX_NETWORK_RETRIES": "0",
        "PUBLIC_BASE_URL": settings.public_base_url,
        "MAIL_BACKEND": "memory",
        "LOG_LEVEL": "WARNING",
        "RUN_EMBEDDED_WORKER": "false",
        "DATABASE_POOL_SIZE": "10",
    }


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app process exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not come up")


@pytest.fixture
def app_processes(settings: Settings, tmp_path: Path) -> Iterator[list[str]]:
    """Base URLs of two `uvicorn vitrina.main:app` processes on free ports."""
    env = _environment(settings)
    started: list[tuple[subprocess.Popen[bytes], str]] = []
    try:
        for _ in range(2):
            port = free_port()
            process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "vitrina.main:app", "--port", str(port)],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            started.append((process, f"http://127.0.0.1:{port}"))
        for process, url in started:
            _wait_until_up(url, process)
        yield [url for _, url in started]
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def test_two_processes_fifty_customers_ten_in_stock(
    app_processes, client, shopper, make_product, emulator, session
):
    product = await make_product(name="Two-process print", stock=10)
    everyone = []
    for _ in range(50):
        _, headers = await shopper()
        r = await client.put(
            f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=headers
        )
        assert r.status_code == 200
        everyone.append(headers)
    limits = httpx.Limits(max_connections=100)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        responses = await asyncio.gather(
            *(
                http.post(f"{app_processes[i % 2]}/api/v1/checkout", headers=headers)
                for i, headers in enumerate(everyone)
            )
        )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 10, 409: 40}, [r.text for r in responses if r.status_code >= 500]
    assert {r.json()["detail"] for r in responses if r.status_code == 409} == {
        "“Two-process print” is out of stock."
    }
    reserved = await session.scalar(
        select(func.sum(StockReservation.quantity)).where(StockReservation.product_id == product.id)
    )
    assert reserved == 10
    created = [c for c in await emulator.calls("/v1/checkout/sessions") if c["status"] == 200]
    assert len(created) == 10
