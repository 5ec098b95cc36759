"""Webhook-to-order throughput through two app processes on PostgreSQL, against its floors.

Run from the project root (a scratch database is created on the server and dropped after):
    .venv/bin/python -m bench.webhook_bench [--sessions 500] [--concurrency 16]
    VITRINA_BENCH_PG=postgresql://postgres@127.0.0.1:5432/postgres  (admin DSN, optional)

It starts the Stripe emulator (its own process) and `uvicorn vitrina.main:app --workers 2`,
arranges N paid Checkout Sessions the way checkout leaves them (basket with its code,
CheckoutSession snapshot, reservations) and completes them in the emulator with no webhook
endpoint, then signs each `checkout.session.completed` and POSTs it to the store, alternating
between the processes, at the given concurrency. A webhook answers after its order is
committed, so the last answer is the last order.

Printed in the same run:
- store: orders/s, p50 and p99 per webhook (signature, inbox, Stripe retrieve, fulfilment);
- database floor: the same inserts, updates and locks as plain SQL through asyncpg, on a
  second set of N checkouts, at the same concurrency (what PostgreSQL alone allows);
- Stripe floor: the retrieve the store makes per event, sent bare to the emulator.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
import stripe
from pydantic import SecretStr
from sqlalchemy import func, insert, select, update

from bench.concurrent import run_concurrently
from bench.postgres import run_sql
from bench.stack import free_port, running_stack, vitrina_command
from vitrina import schema
from vitrina.accounts.models import Role, User
from vitrina.basket.models import Basket, BasketItem, CheckoutSession, StockReservation
from vitrina.catalog.models import Category, Product
from vitrina.catalog.variants import variant_ids_of
from vitrina.config import Settings, set_settings
from vitrina.db import db_helper
from vitrina.kit.clock import utcnow
from vitrina.orders.models import Order

API_KEY = "sk_test_vitrina_webhook_bench"
WEBHOOK_SECRET = "whsec_vitrina_webhook_bench"
ADMIN_DSN = os.environ.get("VITRINA_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PRODUCTS = 40
LOG_DIR = Path("/tmp/vitrina-webhook-bench")


@dataclass(frozen=True)
class Arranged:
    checkout_id: str
    basket_id: int
    user_id: int
    email: str
    code: str
    product_id: int
    name: str
    price: int
    quantity: int


async def seed_products() -> list[Product]:
    async with db_helper.session_factory() as session:
        category = Category(name="Bench", slug=f"bench-{secrets.token_hex(3)}")
        session.add(category)
        await session.flush()
        products = [
            Product(
                category_id=category.id,
                name=f"Bench product {i}",
                slug=f"bench-{category.id}-{i}",
                price=1000 + 37 * i,
                currency="usd",
                stock=1_000_000,
            )
            for i in range(PRODUCTS)
        ]
        session.add_all(products)
        await session.commit()
        return products


async def arrange(
    count: int, products: list[Product], tag: str, stripe_ids: list[str] | None = None
) -> list[Arranged]:
    """Baskets, CheckoutSession rows and reservations for `count` checkouts, in bulk."""
    now = utcnow()
    async with db_helper.session_factory() as session:
        users = [
            User(email=f"{tag}-{i}@bench.example", password_hash="!", role=Role.CUSTOMER)
            for i in range(count)
        ]
        session.add_all(users)
        await session.flush()
        codes = [secrets.token_hex(16) for _ in range(count)]
        basket_ids = list(
            await session.scalars(
                insert(Basket).returning(Basket.id, sort_by_parameter_order=True),
                [
                    {"user_id": u.id, "unique_code": c, "created_at": now, "updated_at": now}
                    for u, c in zip(users, codes, strict=True)
                ],
            )
        )
        rows = []
        for i, (user, code, basket_id) in enumerate(zip(users, codes, basket_ids, strict=True)):
            product = products[i % len(products)]
            checkout_id = stripe_ids[i] if stripe_ids else f"cs_{tag}_{i}"
            rows.append(
                Arranged(checkout_id, basket_id, user.id, user.email, code, product.id,
                         product.name, product.price, 1 + i % 3)
            )  # fmt: skip
        variant_of = await variant_ids_of(session, [a.product_id for a in rows])
        await session.execute(
            insert(BasketItem),
            [
                {"basket_id": a.basket_id, "product_id": a.product_id,
                 "variant_id": variant_of[a.product_id], "quantity": a.quantity, "added_at": now}
                for a in rows
            ],
        )  # fmt: skip
        await session.commit()
    return rows


async def record_checkouts(rows: list[Arranged]) -> None:
    now = utcnow()
    expires = now + timedelta(hours=23)
    async with db_helper.session_factory() as session:
        variant_of = await variant_ids_of(session, [a.product_id for a in rows])
        await session.execute(
            insert(CheckoutSession),
            [
                {
                    "id": a.checkout_id, "basket_id": a.basket_id, "user_id": a.user_id,
                    "unique_code": a.code, "currency": "usd", "status": "open",
                    "amount_subtotal": a.price * a.quantity, "amount_discount": 0,
                    "amount_shipping": 0, "amount_total": a.price * a.quantity,
                    "items": [{"product_id": a.product_id,
                               "variant_id": variant_of[a.product_id], "name": a.name,
                               "unit_price": a.price, "quantity": a.quantity,
                               "line_total": a.price * a.quantity}],
                    "expires_at": expires, "created_at": now, "updated_at": now,
                }
                for a in rows
            ],
        )  # fmt: skip
        await session.execute(
            insert(StockReservation),
            [
                {"product_id": a.product_id, "variant_id": variant_of[a.product_id],
                 "checkout_session_id": a.checkout_id,
                 "quantity": a.quantity, "expires_at": expires, "created_at": now}
                for a in rows
            ],
        )  # fmt: skip
        await session.execute(
            update(Basket), [{"id": a.basket_id, "session_id": a.checkout_id} for a in rows]
        )
        await session.commit()


async def stripe_sessions(
    client: stripe.StripeClient, rows: list[Arranged], concurrency: int
) -> list[str]:
    gate = asyncio.Semaphore(concurrency)

    async def create(a: Arranged) -> str:
        async with gate:
            session = await client.v1.checkout.sessions.create_async(
                {
                    "mode": "payment",
                    "line_items": [
                        {
                            "price_data": {
                                "currency": "usd",
                                "unit_amount": a.price,
                                "product_data": {"name": a.name},
                            },
                            "quantity": a.quantity,
                        }
                    ],
                    "success_url": "http://bench/checkout/success?session_id={CHECKOUT_SESSION_ID}",
                    "metadata": {
                        "basket_id": str(a.basket_id),
                        "unique_code": a.code,
                        "user_id": str(a.user_id),
                    },
                    "client_reference_id": f"basket-{a.basket_id}",
                    "customer_email": a.email,
                }
            )
            return session.id

    return list(await asyncio.gather(*(create(a) for a in rows)))


def sign(payload: str) -> str:
    timestamp = int(time.time())
    mac = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


async def completed_events(client: stripe.StripeClient) -> list[str]:
    page = await client.v1.events.list_async({"type": "checkout.session.completed", "limit": 100})
    return [json.dumps(event.to_dict()) async for event in page.auto_paging_iter()]


FLOOR_SQL = {
    "record": """INSERT INTO webhook_events (source, external_id, type, payload, received_at,
                 attempts) VALUES ('stripe', $1, 'checkout.session.completed', $2::jsonb, now(), 0)
                 ON CONFLICT (source, external_id) DO NOTHING""",
    "inbox_row": """SELECT id, handled_at FROM webhook_events
                    WHERE source = 'stripe' AND external_id = $1""",
    "claim": """UPDATE webhook_events SET attempts = attempts + 1
                WHERE id = $1 AND handled_at IS NULL RETURNING id""",
    "lock_checkout": "SELECT * FROM checkout_sessions WHERE id = $1 FOR UPDATE",
    "existing": "SELECT * FROM orders WHERE stripe_session_id = $1",
    "user": "SELECT * FROM users WHERE id = $1",
    "order": """INSERT INTO orders (user_id, status, email, currency, subtotal, discount, shipping,
                total, amount_charged, amount_refunded, stripe_session_id,
                stripe_payment_intent_id, needs_review, paid_at, created_at, updated_at)
                VALUES ($1, 'paid', $2, 'usd', $3, 0, 0, $3, $3, 0, $4, $5, false, now(), now(),
                now()) RETURNING id""",
    "item": """INSERT INTO order_items (order_id, product_id, name, unit_price, quantity,
               line_total) VALUES ($1, $2, $3, $4, $5, $6)""",
    "event": """INSERT INTO order_events (order_id, kind, to_status, note, data, created_at)
                VALUES ($1, 'created', 'paid', '', '{}'::jsonb, now())""",
    "release": "DELETE FROM stock_reservations WHERE checkout_session_id = $1",
    "stock": "UPDATE products SET stock = stock - $2 WHERE id = $1 AND stock >= $2",
    "basket": "SELECT * FROM baskets WHERE unique_code = $1 AND id = $2 FOR UPDATE",
    "empty": "DELETE FROM basket_items WHERE basket_id = $1",
    "forget_code": """UPDATE baskets SET unique_code = NULL, session_id = NULL, coupon_id = NULL,
                      updated_at = now() WHERE id = $1""",
    "complete": """UPDATE checkout_sessions SET status = 'complete', updated_at = now()
                   WHERE id = $1""",
    "handled": "UPDATE webhook_events SET handled_at = now(), last_error = NULL WHERE id = $1",
    "mail_claim": """UPDATE orders SET confirmation_sent_at = now()
                     WHERE id = $1 AND confirmation_sent_at IS NULL RETURNING id""",
    "mail_load": "SELECT * FROM order_items WHERE order_id = $1",
}


async def floor_one(pool: asyncpg.Pool, a: Arranged) -> bool:
    """What the store's webhook does to the database for one event, as plain SQL."""
    event_id = f"evt_floor_{a.checkout_id}"
    total = a.price * a.quantity
    async with pool.acquire() as conn:
        async with conn.transaction():
            await conn.execute(FLOOR_SQL["record"], event_id, json.dumps({"id": event_id}))
            row_id = await conn.fetchval(FLOOR_SQL["inbox_row"], event_id)
        async with conn.transaction():
            if await conn.fetchval(FLOOR_SQL["claim"], row_id) is None:
                return False
            await conn.fetchrow(FLOOR_SQL["lock_checkout"], a.checkout_id)
            await conn.fetchrow(FLOOR_SQL["existing"], a.checkout_id)
            await conn.fetchrow(FLOOR_SQL["user"], a.user_id)
            await conn.execute("SAVEPOINT order_insert")
            order_id = await conn.fetchval(
                FLOOR_SQL["order"], a.user_id, a.email, total, a.checkout_id, "pi_floor"
            )
            await conn.execute(
                FLOOR_SQL["item"], order_id, a.product_id, a.name, a.price, a.quantity, total
            )
            await conn.execute("RELEASE SAVEPOINT order_insert")
            await conn.execute(FLOOR_SQL["event"], order_id)
            await conn.execute(FLOOR_SQL["release"], a.checkout_id)
            await conn.execute(FLOOR_SQL["stock"], a.product_id, a.quantity)
            await conn.fetchrow(FLOOR_SQL["basket"], a.code, a.basket_id)
            await conn.execute(FLOOR_SQL["empty"], a.basket_id)
            await conn.execute(FLOOR_SQL["forget_code"], a.basket_id)
            await conn.execute(FLOOR_SQL["complete"], a.checkout_id)
            await conn.execute(FLOOR_SQL["handled"], row_id)
        async with conn.transaction():
            await conn.fetchval(FLOOR_SQL["mail_claim"], order_id)
            await conn.fetch(FLOOR_SQL["mail_load"], order_id)
    return True


async def bench(args: argparse.Namespace, url: str, dsn: str) -> None:
    emulator_port, app_port = free_port(), free_port()
    emulator_url = f"http://127.0.0.1:{emulator_port}"
    app_url = f"http://127.0.0.1:{app_port}"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        jwt_secret=SecretStr(secrets.token_urlsafe(48)),
        stripe_api_key=SecretStr(API_KEY),
        stripe_api_base=emulator_url,
        stripe_webhook_secret=SecretStr(WEBHOOK_SECRET),
        stripe_max_network_retries=0,
    )
    set_settings(settings)
    db_helper.configure(url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "JWT_SECRET": settings.jwt_secret.get_secret_value(),
        "STRIPE_API_KEY": API_KEY,
        "STRIPE_API_BASE": emulator_url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_MAX_NETWORK_RETRIES": "0",
        "MAIL_BACKEND": "memory",
        "LOG_LEVEL": "WARNING",
        "RUN_EMBEDDED_WORKER": "false",
    }
    client = stripe.StripeClient(
        API_KEY, base_addresses={"api": emulator_url}, http_client=stripe.HTTPXClient(timeout=60)
    )
    with running_stack(LOG_DIR) as stack:
        stack.start(
            "emulator",
            vitrina_command("stripe-emulator", "--port", str(emulator_port)),
            env,
            ready_url=f"{emulator_url}/_emulator/clock",
        )
        products = await seed_products()
        store_rows = await arrange(args.sessions, products, "store")
        ids = await stripe_sessions(client, store_rows, args.concurrency)
        store_rows = [replace(a, checkout_id=sid) for sid, a in zip(ids, store_rows, strict=True)]
        await record_checkouts(store_rows)
        floor_rows = await arrange(args.sessions, products, "floor")
        await record_checkouts(floor_rows)
        gate = asyncio.Semaphore(args.concurrency)
        async with httpx.AsyncClient(base_url=emulator_url, timeout=60) as controls:

            async def pay(session_id: str) -> None:
                async with gate:
                    answer = await controls.post(
                        f"/_emulator/checkout/sessions/{session_id}/complete",
                        json={"outcome": "paid"},
                    )
                    answer.raise_for_status()

            await asyncio.gather(*(pay(sid) for sid in ids))
        payloads = await completed_events(client)
        assert len(payloads) == args.sessions, len(payloads)
        stack.start(
            "store",
            [sys.executable, "-m", "uvicorn", "vitrina.main:app", "--host", "127.0.0.1",
             "--port", str(app_port), "--workers", "2", "--no-access-log",
             "--log-level", "warning"],
            env,
            ready_url=f"{app_url}/healthz",
        )  # fmt: skip

        limits = httpx.Limits(max_connections=args.concurrency * 2)
        async with httpx.AsyncClient(base_url=app_url, timeout=120, limits=limits) as http:

            def deliver(payload: str) -> Callable[[], Awaitable[bool]]:
                async def call() -> bool:
                    response = await http.post(
                        "/api/v1/stripe/webhook",
                        content=payload,
                        headers={"Stripe-Signature": sign(payload),
                                 "Content-Type": "application/json"},
                    )  # fmt: skip
                    return response.status_code == 200

                return call

            await http.get("/healthz")
            store = await run_concurrently(
                "store: webhook -> order (2 processes)",
                [deliver(p) for p in payloads],
                args.concurrency,
            )

        def retrieve(session_id: str) -> Callable[[], Awaitable[bool]]:
            async def call() -> bool:
                await client.v1.checkout.sessions.retrieve_async(
                    session_id, {"expand": ["payment_intent"]}
                )
                return True

            return call

        stripe_floor = await run_concurrently(
            "Stripe floor: bare retrieve to the emulator", [retrieve(i) for i in ids],
            args.concurrency,
        )  # fmt: skip

    pool = await asyncpg.create_pool(dsn, min_size=args.concurrency, max_size=args.concurrency)
    try:
        database_floor = await run_concurrently(
            "database floor: same SQL via asyncpg",
            [lambda a=a: floor_one(pool, a) for a in floor_rows],
            args.concurrency,
        )
    finally:
        await pool.close()

    async with db_helper.session_factory() as session:
        orders = await session.scalar(
            select(func.count())
            .select_from(Order)
            .where(Order.stripe_payment_intent_id != "pi_floor")
        )
    await db_helper.dispose()
    print(f"\n{args.sessions} paid sessions, concurrency {args.concurrency}; "
          f"orders made by the store: {orders}")  # fmt: skip
    for run in (store, database_floor, stripe_floor):
        print(run.row())
    store_rate = len(store.latencies_ms) / store.seconds
    floor_rate = len(database_floor.latencies_ms) / database_floor.seconds
    print(f"store / database floor: {store_rate / floor_rate:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    name = f"vitrina_webhook_bench_{secrets.token_hex(4)}"
    asyncio.run(run_sql(ADMIN_DSN, f'CREATE DATABASE "{name}"'))
    dsn = f"{ADMIN_DSN.rsplit('/', 1)[0]}/{name}"
    url = dsn.replace("postgresql://", "postgresql+asyncpg://")
    try:
        schema.upgrade(url)
        asyncio.run(bench(args, url, dsn))
    finally:
        asyncio.run(run_sql(ADMIN_DSN, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
