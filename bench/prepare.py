"""Databases, customers and prepared requests for the benchmark.

Each catalog size lives in its own PostgreSQL database (`vitrina_bench` for the main run,
`vitrina_bench_<size>` for the scaling steps), migrated with `vitrina migrate` and filled with
`vitrina demo-data` (COPY); a database already holding the right number of products is reused.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import pickle
import random
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import bcrypt
import httpx
from pydantic import SecretStr
from sqlalchemy import func, select

from bench.stack import ROOT, vitrina_command
from vitrina.accounts.models import Role, User
from vitrina.accounts.security import create_access_token
from vitrina.app import create_app
from vitrina.basket.codes import new_unique_code
from vitrina.basket.models import Basket, BasketItem
from vitrina.catalog.models import Product, ProductVariant
from vitrina.catalog.variants import add_missing_default_variants, variant_ids_of
from vitrina.config import Settings, set_settings
from vitrina.db import db_helper
from vitrina.kit.clock import utcnow
from vitrina.models import Base
from vitrina.reads import recorded_statements

ADMIN_DSN = os.environ.get("VITRINA_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
KEEP_TABLES = {"categories", "products", "product_images", "alembic_version"}
SEARCH_QUERY = "walnut chair"
SEARCH_PARAM = SEARCH_QUERY.replace(" ", "+")


def database_name(size: int, main_size: int) -> str:
    return "vitrina_bench" if size == main_size else f"vitrina_bench_{size}"


def database_url(name: str) -> str:
    base = ADMIN_DSN.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def _product_count(name: str) -> int | None:
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return None
    finally:
        await admin.close()
    conn = await asyncpg.connect(asyncpg_dsn(database_url(name)))
    try:
        if not await conn.fetchval("SELECT to_regclass('products') IS NOT NULL"):
            return None
        return int(await conn.fetchval("SELECT count(*) FROM products"))
    finally:
        await conn.close()


async def _recreate(name: str) -> None:
    admin = await asyncpg.connect(ADMIN_DSN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


def ensure_catalog(name: str, products: int, env: dict[str, str], fresh: bool = False) -> float:
    """A migrated database with `products` demo products; returns the seconds spent loading.

    A database holding the right count is reused unless its migrations no longer apply (the
    history was rewritten); then it is made again.
    """
    url = database_url(name)
    if not fresh and asyncio.run(_product_count(name)) == products:
        migrated = subprocess.run(
            vitrina_command("migrate"), env={**env, "DATABASE_URL": url}, cwd=ROOT, check=False
        )
        if migrated.returncode == 0:
            return 0.0
    asyncio.run(_recreate(name))
    run_env = {**env, "DATABASE_URL": url}
    subprocess.run(vitrina_command("migrate"), env=run_env, check=True, cwd=ROOT)
    started = time.perf_counter()
    subprocess.run(
        vitrina_command("demo-data", "--products", str(products), "--no-images"),
        env=run_env,
        check=True,
        cwd=ROOT,
    )
    return time.perf_counter() - started


async def reset_activity(url: str, *, sync_backlog: bool = False) -> None:
    """Forget users, baskets, orders and events of earlier runs; keep the catalog.

    Each run starts a fresh (empty) emulator, so the products' Stripe ids are forgotten. By
    default the catalog counts as in sync (the steady state: the worker runs but is idle); with
    `sync_backlog` every product is due, as right after a bulk import, and the worker spends
    the whole run pushing them.
    """
    tables = [t.name for t in Base.metadata.sorted_tables if t.name not in KEEP_TABLES]
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        await conn.execute(
            "UPDATE products SET stripe_id = NULL, stripe_price_id = NULL, "
            "stripe_price_amount = NULL, synced_version = $1 * sync_version, sync_attempts = 0, "
            "sync_error = NULL, synced_at = NULL, sync_next_attempt_at = NULL",
            0 if sync_backlog else 1,
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def bench_settings(url: str, env: dict[str, str]) -> Settings:
    return Settings(
        _env_file=None,
        database_url=url,
        jwt_secret=SecretStr(env["JWT_SECRET"]),
        access_token_minutes=int(env["ACCESS_TOKEN_MINUTES"]),
        stripe_api_key=SecretStr(env["STRIPE_API_KEY"]),
        stripe_api_base=env["STRIPE_API_BASE"],
        stripe_webhook_secret=SecretStr(env["STRIPE_WEBHOOK_SECRET"]),
        log_level="WARNING",
    )


@dataclass
class Workload:
    """Files of prepared requests for requests.lua, and what the floor replays."""

    detail_path: str
    basket_file: Path
    checkout_file: Path
    soak_file: Path
    checkout_users: int
    floor_basket_file: Path
    floor_checkout_file: Path
    options_path: str
    """The page of the product sold in the most variants (the demo's 24)."""
    products: list[int]
    """The products the baskets hold (in stock, one variant each)."""
    password_hash: str


def _line(method: str, path: str, header: tuple[str, str] | None, body: str | None) -> str:
    name, value = header or ("-", "-")
    return "\t".join([method, path, name, value, body or "-"])


async def _stocked_products(limit: int) -> list[int]:
    """Products sold in one variant (a basket line of one needs no variant chosen)."""
    one_variant = (
        select(ProductVariant.product_id)
        .group_by(ProductVariant.product_id)
        .having(func.count() == 1)
    )
    async with db_helper.session_factory() as session:
        # The bulk demo generator of a `make bench` catalog writes products only: give them
        # their default variants (one INSERT ... SELECT; nothing to do the second time).
        await add_missing_default_variants(session)
        await session.commit()
        ids = await session.scalars(
            select(Product.id)
            .where(
                Product.is_active,
                Product.stock >= 100,
                Product.has_options.is_(False),
                Product.id.in_(one_variant),
            )
            .order_by(Product.id)
            .limit(limit)
        )
        return list(ids)


async def _most_variants() -> int:
    async with db_helper.session_factory() as session:
        found = await session.scalar(
            select(ProductVariant.product_id)
            .join(Product, Product.id == ProductVariant.product_id)
            .where(Product.is_active, Product.has_options)
            .group_by(ProductVariant.product_id)
            .order_by(func.count().desc(), ProductVariant.product_id)
            .limit(1)
        )
    if found is None:
        raise RuntimeError("the catalog has no product sold in variants to benchmark")
    return int(found)


async def _customers(count: int, prefix: str, password_hash: str) -> list[User]:
    async with db_helper.session_factory() as session:
        users = [
            User(
                email=f"{prefix}-{i}@bench.example.com",
                password_hash=password_hash,
                full_name=f"Bench {prefix} {i}",
                role=Role.CUSTOMER,
            )
            for i in range(count)
        ]
        session.add_all(users)
        await session.commit()
        return users


async def _fill_baskets(users: list[User], products: list[int], rng: random.Random) -> None:
    async with db_helper.session_factory() as session:
        now = utcnow()
        baskets = [Basket(user_id=u.id, unique_code=new_unique_code()) for u in users]
        session.add_all(baskets)
        await session.flush()
        variant_of = await variant_ids_of(session, products)
        for basket in baskets:
            for product_id in rng.sample(products, 2):
                session.add(
                    BasketItem(
                        basket_id=basket.id,
                        product_id=product_id,
                        variant_id=variant_of[product_id],
                        quantity=rng.randint(1, 2),
                        added_at=now,
                    )
                )
        await session.commit()


async def prepare_workload(
    settings: Settings, work_dir: Path, *, basket_users: int, checkout_users: int
) -> Workload:
    """Customers with tokens; basket edits and checkouts as lines for requests.lua."""
    set_settings(settings)
    db_helper.configure(settings.database_url, pool_size=4)
    rng = random.Random(11)
    password_hash = bcrypt.hashpw(b"Passw0rd!x", bcrypt.gensalt(4)).decode()
    try:
        products = await _stocked_products(400)
        if len(products) < 10:
            raise RuntimeError("the catalog has too few products in stock to benchmark")
        editors = await _customers(basket_users, "editor", password_hash)
        buyers = await _customers(checkout_users, "buyer", password_hash)
        await _fill_baskets(buyers, products, rng)
        # The write floors' own customers: same numbers, same baskets (same seed).
        floor_editors = await _customers(basket_users, "floor-editor", password_hash)
        floor_buyers = await _customers(checkout_users, "floor-buyer", password_hash)
        await _fill_baskets(floor_buyers, products, random.Random(11))
        first = await _stocked_products(1)
        most_variants = await _most_variants()
    finally:
        await db_helper.dispose()
    basket_lines, floor_basket_lines = [], []
    for _round in range(10):
        for user, twin in zip(editors, floor_editors, strict=True):
            token = ("Authorization", f"Bearer {create_access_token(user)}")
            body = json.dumps({"quantity": rng.randint(1, 3)})
            product = rng.choice(products)
            basket_lines.append(_line("PUT", f"/api/v1/basket/items/{product}", token, body))
            floor_basket_lines.append(_line("PUT", f"/w/basket/{twin.id}/{product}", None, body))
    checkout_lines = [
        _line(
            "POST", "/api/v1/checkout", ("Authorization", f"Bearer {create_access_token(u)}"), None
        )
        for u in buyers
    ]
    floor_checkout_lines = [_line("POST", f"/w/checkout/{u.id}", None, None) for u in floor_buyers]
    detail_path = f"/api/v1/products/{first[0]}"
    options_path = f"/api/v1/products/{most_variants}"
    reads = ["/api/v1/products", detail_path, options_path, f"/api/v1/products?q={SEARCH_PARAM}"]
    soak_lines = [_line("GET", path, None, None) for path in reads]
    await asyncio.to_thread(work_dir.mkdir, parents=True, exist_ok=True)
    written = {
        "basket": basket_lines,
        "checkout": checkout_lines,
        "soak": soak_lines,
        "floor-basket": floor_basket_lines,
        "floor-checkout": floor_checkout_lines,
    }
    files = {name: work_dir / f"{name}.tsv" for name in written}
    for name, lines in written.items():
        await asyncio.to_thread(files[name].write_text, "\n".join(lines) + "\n")
    return Workload(
        detail_path,
        files["basket"],
        files["checkout"],
        files["soak"],
        len(buyers),
        files["floor-basket"],
        files["floor-checkout"],
        options_path,
        products,
        password_hash,
    )


async def capture_sql(settings: Settings, paths: dict[str, str], out: Path) -> dict[str, int]:
    """Run each request once through the store in-process; pickle the SQL it ran."""
    app = create_app(settings)
    captured: dict[str, list[tuple[str, tuple[Any, ...]]]] = {}
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for name, path in paths.items():
                await client.get(path)
                with recorded_statements() as statements:
                    response = await client.get(path)
                response.raise_for_status()
                captured[name] = statements
    finally:
        await db_helper.dispose()
    await asyncio.to_thread(out.write_bytes, pickle.dumps(captured))
    return {name: len(queries) for name, queries in captured.items()}


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """A Stripe-Signature header for `payload`, as Stripe (and the emulator) computes it."""
    moment = timestamp or int(time.time())
    mac = hmac.new(secret.encode(), f"{moment}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={moment},v1={mac}"


async def complete_and_sign(
    emulator_url: str,
    api_key: str,
    session_ids: list[str],
    secret: str,
    out: Path,
    path: str = "/api/v1/stripe/webhook",
) -> int:
    """Pay each open Checkout Session in the emulator; write its signed completion event."""
    gate = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=emulator_url, timeout=60) as http:

        async def complete(session_id: str) -> None:
            async with gate:
                await http.post(
                    f"/_emulator/checkout/sessions/{session_id}/complete", json={"outcome": "paid"}
                )

        await asyncio.gather(*(complete(s) for s in session_ids))
        wanted = set(session_ids)
        events: list[dict[str, Any]] = []
        params: dict[str, Any] = {"type": "checkout.session.completed", "limit": 100}
        auth = {"Authorization": f"Bearer {api_key}"}
        while True:
            page = (await http.get("/v1/events", params=params, headers=auth)).json()
            events += [e for e in page["data"] if e["data"]["object"]["id"] in wanted]
            if not page["has_more"]:
                break
            params["starting_after"] = page["data"][-1]["id"]
    lines = []
    for completed in events:
        payload = json.dumps(completed, separators=(",", ":"))
        header = ("Stripe-Signature", sign(payload, secret))
        lines.append(_line("POST", path, header, payload))
    await asyncio.to_thread(out.write_text, "\n".join(lines) + "\n")
    return len(lines)


async def paid_sessions(
    settings: Settings,
    workload: Workload,
    count: int,
    prefix: str,
    out: Path,
    path: str = "/api/v1/stripe/webhook",
    concurrency: int = 16,
) -> int:
    """`count` new customers with full baskets (as the checkout run's, same seed), each with
    an open Checkout Session (made by the write floor's checkout in-process: the statements
    and Stripe calls of the store's, `bench.write_statements`) that is then paid in the
    emulator; their signed `checkout.session.completed` events are written to `out` for
    requests.lua, to be POSTed to `path`. Returns how many were written.

    The store's and the floor's webhook runs each get `count` of their own, so both sides
    make orders from distinct sessions the whole time instead of answering replays."""
    from bench import write_floor

    set_settings(settings)
    db_helper.configure(settings.database_url, pool_size=4)
    try:
        buyers = await _customers(count, prefix, workload.password_hash)
        await _fill_baskets(buyers, workload.products, random.Random(12))
    finally:
        await db_helper.dispose()
    pool = await write_floor.create_pool(asyncpg_dsn(settings.database_url), concurrency)
    gate = asyncio.Semaphore(concurrency)

    async def open_one(user_id: int) -> str:
        async with gate:
            return str(json.loads(await write_floor.checkout(pool, user_id))["session_id"])

    try:
        sessions = await asyncio.gather(*(open_one(u.id) for u in buyers))
    finally:
        await pool.close()
    assert settings.stripe_api_base and settings.stripe_api_key
    return await complete_and_sign(
        settings.stripe_api_base,
        settings.stripe_api_key.get_secret_value(),
        list(sessions),
        settings.webhook_key(),
        out,
        path,
    )


async def deliver_all(base_url: str, events_file: Path, concurrency: int = 8) -> int:
    """POST every signed event of `events_file` once more (replays are no-ops), so that every
    paid session has reached the store before the books are compared; returns the non-2xx."""
    lines = (await asyncio.to_thread(events_file.read_text)).splitlines()
    gate = asyncio.Semaphore(concurrency)
    failed = 0
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:

        async def deliver(line: str) -> None:
            nonlocal failed
            _method, path, name, value, body = line.split("\t", 4)
            headers = {name: value, "Content-Type": "application/json"}
            async with gate:
                answer = await http.post(path, content=body, headers=headers)
            failed += 0 if answer.is_success else 1

        await asyncio.gather(*(deliver(line) for line in lines if line))
    return failed


async def open_sessions(url: str, email_prefix: str | None = None) -> list[str]:
    """Open Checkout Sessions, of customers whose email starts with `email_prefix` if given."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch(
            "SELECT c.id FROM checkout_sessions c JOIN users u ON u.id = c.user_id "
            "WHERE c.status = 'open' AND ($1::text IS NULL OR u.email LIKE $1 || '%')",
            email_prefix,
        )
        return [r["id"] for r in rows]
    finally:
        await conn.close()


async def order_problems(url: str) -> list[str]:
    """One order per payment: no Checkout Session with two orders, none paid twice."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        problems = []
        doubled = await conn.fetchval(
            "SELECT count(*) FROM (SELECT stripe_session_id FROM orders "
            "GROUP BY stripe_session_id HAVING count(*) > 1) x"
        )
        if doubled:
            problems.append(f"{doubled} Checkout Sessions with more than one order")
        twice = await conn.fetchval(
            "SELECT count(*) FROM (SELECT stripe_payment_intent_id FROM orders "
            "WHERE stripe_payment_intent_id IS NOT NULL "
            "GROUP BY stripe_payment_intent_id HAVING count(*) > 1) x"
        )
        if twice:
            problems.append(f"{twice} payments with more than one order")
        return problems
    finally:
        await conn.close()


async def count_rows(url: str, table: str) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
    finally:
        await conn.close()


async def mark_due(url: str, count: int) -> None:
    """Change `count` products the way a staff edit does: Stripe must learn of them."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(
            "UPDATE products SET sync_version = sync_version + 1, sync_attempts = 0, "
            "sync_error = NULL, sync_next_attempt_at = NULL "
            "WHERE id IN (SELECT id FROM products WHERE is_active ORDER BY id DESC LIMIT $1)",
            count,
        )
    finally:
        await conn.close()


async def count_due(url: str) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return int(
            await conn.fetchval("SELECT count(*) FROM products WHERE synced_version < sync_version")
        )
    finally:
        await conn.close()


async def count_pushed(url: str) -> int:
    """Products the sync worker has pushed to (this run's) Stripe."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM products WHERE stripe_id IS NOT NULL"))
    finally:
        await conn.close()


async def fresh_customers(
    settings: Settings, count: int, prefix: str
) -> tuple[list[str], list[int]]:
    """`count` new customers (access tokens) and products they can buy, for a fault scenario."""
    set_settings(settings)
    db_helper.configure(settings.database_url, pool_size=2)
    password_hash = bcrypt.hashpw(b"Passw0rd!x", bcrypt.gensalt(4)).decode()
    try:
        products = await _stocked_products(60)
        users = await _customers(count, f"{prefix}-{time.time_ns()}", password_hash)
    finally:
        await db_helper.dispose()
    return [create_access_token(user) for user in users], products
