"""How long the variants migration takes on a large catalogue (issue 17: under a minute on
1M products).

Builds a scratch database on the machine's PostgreSQL at the revision before variants,
fills `products` with N rows in one INSERT ... SELECT, then times `upgrade` to head (every
product gets its default variant) and `downgrade` back, and checks the row counts.

    .venv/bin/python -m bench.variants_migration --products 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import time

import asyncpg

from bench.postgres import run_sql
from vitrina import schema

BEFORE = "20261204_polish"
AFTER = "20261205_variants"
ADMIN_DSN = os.environ.get("VITRINA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")

FILL = """
INSERT INTO categories (id, name, slug, description, position, created_at, updated_at)
VALUES (1, 'Bench', 'bench', '', 0, now(), now());
INSERT INTO products (id, category_id, name, slug, sku, description, price, currency, stock,
                      is_active, created_at, updated_at)
SELECT g, 1, 'Product ' || g, 'product-' || g, 'SKU-' || g, '', 100 + g % 10000, 'usd',
       g % 50, true, now(), now()
FROM generate_series(1, $count) AS g;
SELECT setval(pg_get_serial_sequence('products', 'id'), $count);
ANALYZE products;
"""


async def _value(dsn: str, sql: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=1_000_000)
    args = parser.parse_args()
    name = f"vitrina_variants_bench_{secrets.token_hex(3)}"
    base = ADMIN_DSN.rsplit("/", 1)[0]
    dsn = f"{base}/{name}"
    url = dsn.replace("postgresql://", "postgresql+asyncpg://")
    asyncio.run(run_sql(ADMIN_DSN, f'CREATE DATABASE "{name}"'))
    try:
        schema.upgrade(url, BEFORE)
        started = time.perf_counter()
        asyncio.run(run_sql(dsn, FILL.replace("$count", str(args.products))))
        print(f"filled {args.products:,} products in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        schema.upgrade(url, AFTER)
        up = time.perf_counter() - started
        variants = asyncio.run(_value(dsn, "SELECT count(*) FROM product_variants"))
        same_ids = asyncio.run(
            _value(dsn, "SELECT count(*) FROM product_variants WHERE id = product_id")
        )
        assert variants == same_ids == args.products, (variants, same_ids)
        print(f"upgrade to {AFTER}: {up:.1f} s ({args.products / up:,.0f} products/s)")

        started = time.perf_counter()
        schema.downgrade(url, BEFORE)
        down = time.perf_counter() - started
        products = asyncio.run(_value(dsn, "SELECT count(*) FROM products"))
        assert products == args.products
        print(f"downgrade to {BEFORE}: {down:.1f} s")
    finally:
        asyncio.run(run_sql(ADMIN_DSN, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
