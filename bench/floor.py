"""The floor: a bare ASGI app (no framework) running the store's own SQL through asyncpg.

Served by the same uvicorn with the same number of processes as the store, it answers
`GET /const` with a constant JSON body and `GET /sql/<name>` by replaying, on one pooled
connection, the statements the store ran for that request (captured by bench.prepare with
their parameters and pickled to $FLOOR_SQL), and serialising the rows as JSON. What the store
spends above this is the cost of FastAPI, validation, the ORM, sessions and middleware.
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg

from bench import write_floor
from vitrina.config import get_settings
from vitrina.observability.logging import configure_logging

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

CONSTANT = b'{"status":"ok"}'
HEADERS = [(b"content-type", b"application/json")]

_pool: asyncpg.Pool | None = None
_queries: dict[str, list[tuple[str, tuple[Any, ...]]]] = {}


async def _startup() -> None:
    global _pool
    dsn = os.environ["FLOOR_DSN"]
    size = int(os.environ.get("FLOOR_POOL_SIZE", "10"))
    _pool = await write_floor.create_pool(dsn, size)  # the store's session settings
    settings = get_settings()
    configure_logging(settings.log_level_number, settings.log_format)
    captured = await asyncio.to_thread(Path(os.environ["FLOOR_SQL"]).read_bytes)
    _queries.update(pickle.loads(captured))


async def _respond(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": HEADERS})
    await send({"type": "http.response.body", "body": body})


async def _replay(name: str) -> bytes:
    assert _pool is not None
    result: list[list[dict[str, Any]]] = []
    async with _pool.acquire() as conn:
        for statement, parameters in _queries[name]:
            rows = await conn.fetch(statement, *parameters)
            result.append([dict(row) for row in rows])
    return json.dumps(result, default=str).encode()


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _write(scope: Scope, receive: Receive) -> tuple[int, bytes]:
    """The write floors (bench/write_floor.py): `/w/basket/<user>/<product>`,
    `/w/checkout/<user>`, `/w/webhook`, each with the store's access log line."""
    pool = _pool
    assert pool is not None
    parts = scope["path"].split("/")[2:]
    body = await _body(receive)
    handler: Callable[[], Awaitable[bytes]]
    if parts[0] == "basket":
        user_id, product_id, quantity = int(parts[1]), int(parts[2]), json.loads(body)["quantity"]
        handler = lambda: write_floor.basket_update(pool, user_id, product_id, int(quantity))  # noqa: E731
    elif parts[0] == "checkout":
        handler = lambda: write_floor.checkout(pool, int(parts[1]))  # noqa: E731
    else:
        signature = dict(scope["headers"]).get(b"stripe-signature", b"").decode()
        handler = lambda: write_floor.webhook(pool, body, signature)  # noqa: E731
    return await write_floor.logged(scope["method"], scope["path"], handler)()


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await _startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if _pool is not None:
                    await _pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
    path: str = scope["path"]
    if path == "/const":
        await _respond(send, 200, CONSTANT)
    elif path.startswith("/w/"):
        await _respond(send, *await _write(scope, receive))
    elif path.startswith("/sql/") and path[5:] in _queries:
        await _respond(send, 200, await _replay(path[5:]))
    else:
        await _respond(send, 404, b'{"detail":"Not found."}')
