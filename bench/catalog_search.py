"""Catalog list latency on a large PostgreSQL catalog, against raw asyncpg running the same SQL.

Prepare once (70-150 s for a million products on the 2-core box, depending on load):
    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/vitrina_bench vitrina migrate
    DATABASE_URL=... vitrina demo-data --products 1000000
Run:
    DATABASE_URL=... python -m bench.catalog_search [--requests 300]   # not as a script:
    # bench/concurrent.py would shadow the standard library's `concurrent`

For each scenario (first page, deep page, category page, text search, ...) it sends the
request through the whole app (httpx over ASGI, FastAPI, the catalog service, SQLAlchemy),
records the SQL the request ran, replays that exact SQL through raw asyncpg as the baseline,
and prints p50/p99 for both, their ratio, and the top of the EXPLAIN ANALYZE plan.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
from pydantic import SecretStr

from vitrina.app import create_app
from vitrina.catalog.cursors import encode_cursor
from vitrina.catalog.schemas import ProductSort
from vitrina.config import Settings
from vitrina.db import db_helper
from vitrina.reads import recorded_statements

TARGET_P99_MS = 50.0


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def timed(call: Callable[[], Awaitable[Any]], n: int) -> list[float]:
    for _ in range(10):
        await call()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


async def deep_cursors(conn: asyncpg.Connection) -> dict[str, str]:
    """Cursors pointing half-way through the catalog, as if the client had paged there."""
    total = await conn.fetchval("SELECT count(*) FROM products WHERE is_active")
    middle = total // 2
    newest = await conn.fetchrow(
        "SELECT created_at, id FROM products WHERE is_active "
        "ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1",
        middle,
    )
    cheapest = await conn.fetchrow(
        "SELECT price, id FROM products WHERE is_active ORDER BY price, id OFFSET $1 LIMIT 1",
        middle,
    )
    return {
        "newest": encode_cursor(ProductSort.NEWEST, [newest["created_at"], newest["id"]]),
        "price": encode_cursor(ProductSort.PRICE_ASC, [cheapest["price"], cheapest["id"]]),
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        jwt_secret=SecretStr(secrets.token_urlsafe(48)),
        log_level="WARNING",
        # Catalog reads only: Stripe is never called, but the store starts only configured.
        stripe_api_key=SecretStr("sk_test_catalog_bench"),
        stripe_api_base="http://127.0.0.1:9",
        stripe_webhook_secret=SecretStr("whsec_catalog_bench"),
    )
    app = create_app(settings)
    raw = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    count = await raw.fetchval("SELECT count(*) FROM products")
    root = await raw.fetchval(
        "SELECT c.slug FROM categories c WHERE parent_id IS NULL ORDER BY position LIMIT 1"
    )
    leaf = await raw.fetchval(
        "SELECT slug FROM categories WHERE parent_id IS NOT NULL ORDER BY id LIMIT 1"
    )
    cursors = await deep_cursors(raw)
    scenarios: dict[str, dict[str, Any]] = {
        "first page (newest)": {},
        "deep page (newest, 50%)": {"cursor": cursors["newest"]},
        "deep page (price_asc, 50%)": {"sort": "price_asc", "cursor": cursors["price"]},
        f"category page ({root}, with subcategories)": {"category": root},
        f"category page ({leaf}, price_asc)": {"category": leaf, "sort": "price_asc"},
        "text search 'walnut chair' (relevance)": {"q": "walnut chair"},
        "text search 'walnut' (relevance, broad)": {"q": "walnut"},
        "text search 'oak' in stock under 50.00": {"q": "oak", "in_stock": "true",
                                                   "max_price": 5000},
        # What the storefront asks: counts and facets on first pages (capped, facets.py).
        "first page, counts and facets": {"facets": "true"},
        f"category page ({root}), counts and facets": {"category": root, "facets": "true"},
        "text search 'walnut chair', counts and facets": {"q": "walnut chair",
                                                          "facets": "true"},
        "text search 'walnut', counts and facets": {"q": "walnut", "facets": "true"},
        # Misspelt: full text finds nothing, the word list corrects it, the search runs again.
        "misspelt 'walnut chiar' (corrected)": {"q": "walnut chiar"},
        "misspelt 'hedphones' (corrected), facets": {"q": "hedphones", "facets": "true"},
        # Russian names and word forms (the demo catalogue is bilingual).
        "Russian 'наушников' (lang=ru)": {"q": "наушников", "lang": "ru"},
        "Russian 'кружка из дуба', facets": {"q": "кружка из дуба", "lang": "ru",
                                             "facets": "true"},
        "first page in Russian (lang=ru)": {"lang": "ru"},
        "name sort in Russian (lang=ru)": {"lang": "ru", "sort": "name"},
        "symbols only '%'": {"q": "%"},
    }  # fmt: skip
    print(f"catalog: {count:,} products; {args.requests} sequential requests per scenario\n")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        floor = await timed(lambda: client.get("/healthz"), args.requests)
        print(
            f"floor: GET /healthz through the same app p50 {statistics.median(floor):.2f} ms"
            f"  p99 {percentile(floor, 0.99):.2f} ms\n"
        )
        for label, params in scenarios.items():
            with recorded_statements() as queries:
                first = await client.get("/api/v1/products", params=params)
            assert first.status_code == 200, first.text

            async def through_app(p: dict[str, Any] = params) -> None:
                response = await client.get("/api/v1/products", params=p)
                response.raise_for_status()

            async def through_asyncpg(q: list[tuple[str, Any]] = queries) -> None:
                async with raw.transaction():
                    for statement, parameters in q:
                        await raw.fetch(statement, *(parameters or ()))

            app_ms = await timed(through_app, args.requests)
            raw_ms = await timed(through_asyncpg, args.requests)
            p99, raw_p99 = percentile(app_ms, 0.99), max(percentile(raw_ms, 0.99), 0.001)
            verdict = "ok" if p99 < TARGET_P99_MS else "OVER TARGET"
            body = first.json()
            extra = f", total {body['total']}" if body.get("total") is not None else ""
            extra += f", suggestion {body['suggestion']!r}" if body.get("suggestion") else ""
            print(f"== {label}: {len(body['items'])} items{extra}, {len(queries)} queries")
            app_p50 = statistics.median(app_ms)
            print(f"   app     p50 {app_p50:6.2f} ms  p99 {p99:6.2f} ms  [{verdict}]")
            print(
                f"   asyncpg p50 {statistics.median(raw_ms):6.2f} ms  p99 {raw_p99:6.2f} ms"
                f"   ratio p99 {p99 / raw_p99:4.1f}x"
            )
            async with raw.transaction():
                for sql, values in queries:
                    if "FROM products" not in sql:
                        if sql.startswith("SET"):
                            await raw.execute(sql)
                        continue
                    plan = [
                        r[0]
                        for r in await raw.fetch(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", *values)
                    ]
                    scans = [line for line in plan[3:] if "Scan" in line or "Cond" in line]
                    for line in plan[:3] + scans[:5]:
                        print(f"   | {line[:160]}")
                    print("   |")
            print()
    await raw.close()
    await db_helper.dispose()


if __name__ == "__main__":
    asyncio.run(main())
