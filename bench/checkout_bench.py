"""Checkout creation throughput and latency through two app processes, against the floor of
the same Stripe (emulator) call made bare, in the same run.

Run (PostgreSQL on 127.0.0.1; a scratch database is created and dropped):
    .venv/bin/python bench/checkout_bench.py [--customers 300] [--concurrency 20]
    VITRINA_BENCH_PG=postgresql://postgres@127.0.0.1:5432/postgres  (admin DSN, optional)

It starts the Stripe emulator and two `uvicorn vitrina.main:app` processes on free ports,
seeds customers whose baskets are full, then times `POST /api/v1/checkout` (each customer
once, requests alternating between the processes) in two scenarios: "spread" (each basket
holds two of 40 products) and "hot" (every basket holds the same product, so checkouts queue
on its row lock for one Stripe call each: the cost of the design in basket/checkout.py).
The floor is `checkout.sessions.create` with the same parameters sent straight to the
emulator at the same concurrency.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import asyncpg
import httpx
import stripe
from pydantic import SecretStr

from bench.concurrent import run_concurrently
from vitrina import schema
from vitrina.accounts.security import create_access_token
from vitrina.accounts.service import create_user
from vitrina.basket.codes import new_unique_code
from vitrina.basket.models import Basket, BasketItem
from vitrina.catalog.models import Category, Product
from vitrina.catalog.variants import variant_ids_of
from vitrina.config import Settings, set_settings
from vitrina.db import db_helper
from vitrina.kit.clock import utcnow
from vitrina.payments.checkout_session import StripeSession

API_KEY = "sk_test_vitrina_bench"
WEBHOOK_SECRET = "whsec_vitrina_checkout_bench"  # the store refuses to start without one
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise TimeoutError(url)


@contextmanager
def processes(commands: list[tuple[list[str], dict[str, str], str]]) -> Iterator[None]:
    started: list[subprocess.Popen[bytes]] = []
    try:
        for argv, env, ready_url in commands:
            process = subprocess.Popen(
                argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            started.append(process)
            wait_for(ready_url, process)
        yield
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


async def seed(customers: int, hot: bool, products: list[Product]) -> list[dict[str, str]]:
    headers = []
    async with db_helper.session_factory() as session:
        for i in range(customers):
            user = await create_user(
                session,
                email=f"bench-{'hot' if hot else 'spread'}-{i}-{secrets.token_hex(3)}@example.com",
                password="Passw0rd!x",
                full_name="Bench",
                role="customer",  # type: ignore[arg-type]
            )
            basket = Basket(user_id=user.id, unique_code=new_unique_code())
            session.add(basket)
            await session.flush()
            chosen = [products[0]] if hot else [products[i % 40], products[(i + 7) % 40]]
            variant_of = await variant_ids_of(session, [p.id for p in chosen])
            for product in chosen:
                session.add(
                    BasketItem(
                        basket_id=basket.id,
                        product_id=product.id,
                        variant_id=variant_of[product.id],
                        quantity=1,
                        added_at=utcnow(),
                    )
                )
            headers.append({"Authorization": f"Bearer {create_access_token(user)}"})
        await session.commit()
    return headers


async def make_products(count: int, stock: int) -> list[Product]:
    async with db_helper.session_factory() as session:
        category = Category(name="Bench", slug=f"bench-{secrets.token_hex(3)}")
        session.add(category)
        await session.flush()
        rows = [
            Product(
                category_id=category.id,
                name=f"Bench product {i}",
                slug=f"bench-{category.id}-{i}",
                price=1000 + i * 37,
                currency="usd",
                stock=stock,
            )
            for i in range(count)
        ]
        session.add_all(rows)
        await session.commit()
        return rows


async def bench(args: argparse.Namespace, url: str) -> None:
    jwt_secret = secrets.token_urlsafe(48)
    emulator_port, ports = free_port(), [free_port(), free_port()]
    emulator_url = f"http://127.0.0.1:{emulator_port}"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        jwt_secret=SecretStr(jwt_secret),
        bcrypt_rounds=4,
        stripe_api_key=SecretStr(API_KEY),
        stripe_api_base=emulator_url,
        stripe_webhook_secret=SecretStr(WEBHOOK_SECRET),
    )
    set_settings(settings)
    db_helper.configure(url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "JWT_SECRET": jwt_secret,
        "STRIPE_API_KEY": API_KEY,
        "STRIPE_API_BASE": emulator_url,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_MAX_NETWORK_RETRIES": "0",
        "LOG_LEVEL": "WARNING",
        "RUN_EMBEDDED_WORKER": "false",
    }
    emulator_cmd = [
        sys.executable,
        "-c",
        "from vitrina.stripe_emulator.cli import run_emulator; "
        f"run_emulator('127.0.0.1', {emulator_port}, None, None)",
    ]
    app_cmds = [
        [
            sys.executable,
            "-m",
            "uvicorn",
            "vitrina.main:app",
            "--port",
            str(p),
            "--log-level",
            "warning",
        ]
        for p in ports
    ]
    commands = [(emulator_cmd, env, f"{emulator_url}/_emulator/clock")] + [
        (cmd, env, f"http://127.0.0.1:{p}/healthz") for cmd, p in zip(app_cmds, ports, strict=True)
    ]
    with processes(commands):
        products = await make_products(40, stock=args.customers * 4)
        spread = await seed(args.customers, False, products)
        hot = await seed(args.customers, True, products)
        warm = await seed(20, False, products)
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        limits = httpx.Limits(max_connections=args.concurrency * 2)
        async with httpx.AsyncClient(timeout=60, limits=limits) as http:

            def checkout(i: int, headers: dict[str, str]) -> Callable[[], Awaitable[bool]]:
                async def call() -> bool:
                    r = await http.post(f"{bases[i % 2]}/api/v1/checkout", headers=headers)
                    return r.status_code == 200

                return call

            await run_concurrently("warm-up", [checkout(i, h) for i, h in enumerate(warm)], 4)
            results = [
                await run_concurrently(
                    "app, 2 processes, spread products",
                    [checkout(i, h) for i, h in enumerate(spread)],
                    args.concurrency,
                ),
                await run_concurrently(
                    "app, 2 processes, one hot product",
                    [checkout(i, h) for i, h in enumerate(hot)],
                    args.concurrency,
                ),
            ]
        client = stripe.StripeClient(
            API_KEY,
            base_addresses={"api": emulator_url},
            http_client=stripe.HTTPXClient(timeout=60),
        )
        user = SimpleNamespace(id=1, email="floor@example.com")

        def bare(i: int) -> Callable[[], Awaitable[bool]]:
            request = StripeSession(
                user=user,
                products=[products[i % 40], products[(i + 7) % 40]],
                unique_code=new_unique_code(),
                basket_id=i,
                client=client,
                settings=settings,
            )

            async def call() -> bool:
                await client.v1.checkout.sessions.create_async(
                    request.params(None), request.options()
                )
                return True

            return call

        results.append(
            await run_concurrently(
                "floor: bare emulator create",
                [bare(i) for i in range(args.customers)],
                args.concurrency,
            )
        )
    await db_helper.dispose()
    print(f"\n{args.customers} checkouts per scenario, concurrency {args.concurrency}")
    for run in results:
        print(run.row())


async def with_scratch_database(args: argparse.Namespace) -> None:
    admin = os.environ.get("VITRINA_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"vitrina_bench_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    url = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"
    try:
        await asyncio.to_thread(schema.upgrade, url)
        await bench(args, url)
    finally:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    asyncio.run(with_scratch_database(parser.parse_args()))


if __name__ == "__main__":
    main()
