"""`vitrina serve --workers 2`: /metrics counts the requests of both processes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from fixtures.servers import free_port

VITRINA = str(Path(sys.executable).with_name("vitrina"))
HEALTHZ = re.compile(
    r'vitrina_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)'
)


def test_metrics_sum_every_server_process(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/store.db",
        JWT_SECRET="m" * 48,
        STRIPE_API_KEY="sk_test_unused",
        STRIPE_API_BASE="http://127.0.0.1:9",
        STRIPE_WEBHOOK_SECRET="whsec_unused",
        LOG_LEVEL="WARNING",
    )
    subprocess.run([VITRINA, "migrate"], env=env, cwd=tmp_path, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [VITRINA, "serve", "--workers", "2", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        for _ in range(40):  # a new connection each time: both processes answer some
            httpx.get(f"{base}/healthz", headers={"Connection": "close"})
        counted = []
        for _ in range(6):  # whichever process answers /metrics reports the same sum
            match = HEALTHZ.search(httpx.get(f"{base}/metrics").text)
            assert match is not None
            counted.append(float(match.group(1)))
        assert min(counted) >= 41  # the 40 requests and the start-up probe
        assert len(set(counted)) == 1
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
