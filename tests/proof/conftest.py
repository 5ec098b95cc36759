"""Fixtures for the proof tests: the test app served over real HTTP on the test's loop."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import pytest
import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
async def served_app(app: FastAPI) -> AsyncIterator[str]:
    """The session's app at http://127.0.0.1:<port>, served by uvicorn on the test loop.

    The app's asyncpg pool belongs to that loop, so blocking HTTP clients (schemathesis) must
    run in a thread (`asyncio.to_thread`) while the test awaits them.
    """
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.get_running_loop().create_task(server.serve())
    deadline = time.monotonic() + 10
    while not server.started:
        if task.done() or time.monotonic() > deadline:
            raise RuntimeError("the store did not start")
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await asyncio.wait_for(task, timeout=10)
