"""The write path's floors: what a basket update, a checkout and a webhook -> order cost when
the same database work (and the same Stripe calls) is done with raw asyncpg and no framework.

Served by bench/floor.py under `/w/` (same uvicorn, same processes, same pool size as the
store). Each handler runs, in the same transactions and order, the statements the store runs
for that request (captured with `reads.recorded_statements`, listed in docs/benchmarks.md),
on rows of its own customers (`floor-*` users made by bench.prepare, so the store's and the
floor's requests never touch the same basket):

- `PUT /w/basket/<user_id>/<product_id>` with `{"quantity": n}`: auth's user row, the basket
  locked, the line, the product and its images, the reservations, the write, then the basket
  as shown (basket, lines, products, images, reservations) as JSON;
- `POST /w/checkout/<user_id>`: the basket locked, its lines and products; an open unchanged
  session is handed back; else the address, the products locked, the reservations, the
  Stripe Customer (first checkout of the account) and the Checkout Session made through the
  same SDK client with the same parameters (`StripeSession`), then the rows recorded;
- `POST /w/webhook`: the signature checked (HMAC), the event recorded in the inbox and
  committed, the session retrieved from Stripe (expanded PaymentIntent, as the store), the
  order made in one transaction, the confirmation claimed in a third.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import asyncpg
import stripe

from vitrina.config import get_settings
from vitrina.payments import customers
from vitrina.payments.checkout_session import StripeSession, session_expiry
from vitrina.payments.client import make_stripe_client

RESERVATION_GRACE = timedelta(minutes=5)
REUSE_MARGIN = timedelta(minutes=2)


def _now() -> datetime:
    return datetime.now(UTC)


class Refused(Exception):
    """A request the store would answer 4xx (out of stock, bad signature)."""


async def _reserved(
    conn: asyncpg.Connection, ids: list[int], exclude: str | None
) -> dict[int, int]:
    rows = await conn.fetch(
        "SELECT product_id, sum(quantity) AS total FROM stock_reservations "
        "WHERE product_id = ANY($1::int[]) AND expires_at > $2 "
        "AND ($3::varchar IS NULL OR checkout_session_id <> $3) GROUP BY product_id",
        ids,
        _now(),
        exclude,
    )
    return {r["product_id"]: int(r["total"]) for r in rows}


async def _products(
    conn: asyncpg.Connection, ids: list[int], *, images: bool = True
) -> dict[int, asyncpg.Record]:
    rows = await conn.fetch("SELECT * FROM products WHERE id = ANY($1::int[])", ids)
    if images:
        await conn.fetch("SELECT * FROM product_images WHERE product_id = ANY($1::int[])", ids)
    return {r["id"]: r for r in rows}


async def basket_update(pool: asyncpg.Pool, user_id: int, product_id: int, quantity: int) -> bytes:
    async with pool.acquire() as conn, conn.transaction():
        await conn.fetchrow("SELECT * FROM users WHERE id = $1", user_id)
        basket = await conn.fetchrow("SELECT * FROM baskets WHERE user_id = $1 FOR UPDATE", user_id)
        if basket is None:
            await conn.execute(
                "INSERT INTO baskets (user_id, unique_code, created_at, updated_at) "
                "VALUES ($1, $2, now(), now()) ON CONFLICT (user_id) DO NOTHING",
                user_id,
                secrets.token_hex(4),
            )
            basket = await conn.fetchrow(
                "SELECT * FROM baskets WHERE user_id = $1 FOR UPDATE", user_id
            )
        item = await conn.fetchrow(
            "SELECT * FROM basket_items WHERE basket_id = $1 AND product_id = $2",
            basket["id"],
            product_id,
        )
        product = (await _products(conn, [product_id]))[product_id]
        if item is None or item["quantity"] != quantity:
            held = await _reserved(conn, [product_id], basket["session_id"])
            if quantity > product["stock"] - held.get(product_id, 0):
                raise Refused("out of stock")
            await conn.execute(
                "UPDATE baskets SET updated_at = $1 WHERE id = $2", _now(), basket["id"]
            )
            if item is None:
                await conn.execute(
                    "INSERT INTO basket_items (basket_id, product_id, quantity, added_at) "
                    "VALUES ($1, $2, $3, $4)",
                    basket["id"],
                    product_id,
                    quantity,
                    _now(),
                )
            else:
                await conn.execute(
                    "UPDATE basket_items SET quantity = $1 WHERE id = $2", quantity, item["id"]
                )
        basket = await conn.fetchrow("SELECT * FROM baskets WHERE user_id = $1", user_id)
        lines = await conn.fetch(
            "SELECT * FROM basket_items WHERE basket_id = $1 ORDER BY id", basket["id"]
        )
        ids = [r["product_id"] for r in lines]
        products = await _products(conn, ids)
        held = await _reserved(conn, ids, basket["session_id"])
    shown = [
        {
            "product_id": line["product_id"],
            "name": products[line["product_id"]]["name"],
            "quantity": line["quantity"],
            "line_total": products[line["product_id"]]["price"] * line["quantity"],
            "available": products[line["product_id"]]["stock"] - held.get(line["product_id"], 0),
        }
        for line in lines
    ]
    return json.dumps({"id": basket["id"], "items": shown}).encode()


async def checkout(pool: asyncpg.Pool, user_id: int) -> bytes:
    settings = get_settings()
    client = make_stripe_client(settings)
    async with pool.acquire() as conn, conn.transaction():
        user = await conn.fetchrow("SELECT * FROM users WHERE id = $1", user_id)
        basket = await conn.fetchrow("SELECT * FROM baskets WHERE user_id = $1 FOR UPDATE", user_id)
        lines = await conn.fetch(
            "SELECT * FROM basket_items WHERE basket_id = $1 ORDER BY id", basket["id"]
        )
        ids = [r["product_id"] for r in lines]
        await _products(conn, ids, images=False)  # checkout reads the lines without images
        if basket["session_id"] is not None:
            open_ = await conn.fetchrow(
                "SELECT * FROM checkout_sessions WHERE id = $1", basket["session_id"]
            )
            if open_["status"] == "open" and open_["expires_at"] > _now() + REUSE_MARGIN:
                return json.dumps({"url": open_["url"], "session_id": open_["id"]}).encode()
            raise Refused("the floor only reuses sessions")
        await conn.fetchrow(
            "SELECT * FROM shipping_addresses WHERE user_id = $1 AND is_default", user_id
        )
        locked = await conn.fetch(
            "SELECT * FROM products WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE", ids
        )
        products = {r["id"]: r for r in locked}
        held = await _reserved(conn, ids, None)
        for line in lines:
            if line["quantity"] > products[line["product_id"]]["stock"] - held.get(
                line["product_id"], 0
            ):
                raise Refused("out of stock")
        account = SimpleNamespace(**dict(user))
        pairs = [(SimpleNamespace(**dict(products[r["product_id"]])), r["quantity"]) for r in lines]
        expires_at = session_expiry(settings)
        request = StripeSession(
            user=account,
            products=pairs,
            unique_code=basket["unique_code"],
            basket_id=basket["id"],
            expires_at=expires_at,
            client=client,
            settings=settings,
            language="en",
        )
        customer_id = await customers.ensure_customer_async(client, account)
        created = await client.v1.checkout.sessions.create_async(
            request.params(None, customer_id), request.options()
        )
        await conn.execute(
            "UPDATE users SET stripe_customer_id = $1, stripe_customer_digest = $2, "
            "updated_at = now() WHERE id = $3",
            customer_id,
            customers.CustomerProfile.of(account).digest(),
            user_id,
        )
        items = [
            {
                "product_id": p.id,
                "name": p.name,
                "unit_price": p.price,
                "quantity": q,
                "line_total": p.price * q,
            }
            for p, q in pairs
        ]
        total = sum(i["line_total"] for i in items)
        await conn.execute(
            "INSERT INTO checkout_sessions (id, basket_id, user_id, unique_code, status, url, "
            "currency, amount_subtotal, amount_discount, amount_shipping, amount_total, "
            "language, items, expires_at, created_at, updated_at) VALUES ($1, $2, $3, $4, "
            "'open', $5, 'usd', $6, 0, 0, $6, 'en', $7::jsonb, $8, now(), now())",
            created.id,
            basket["id"],
            user_id,
            basket["unique_code"],
            created.url,
            total,
            json.dumps(items),
            expires_at,
        )
        await conn.execute(
            "UPDATE baskets SET session_id = $1, updated_at = now() WHERE id = $2",
            created.id,
            basket["id"],
        )
        await conn.executemany(
            "INSERT INTO stock_reservations (product_id, checkout_session_id, quantity, "
            "expires_at, created_at) VALUES ($1, $2, $3, $4, now())",
            [(i["product_id"], created.id, i["quantity"], expires_at + RESERVATION_GRACE)
             for i in items],
        )  # fmt: skip
    return json.dumps({"url": created.url, "session_id": created.id}).encode()


def _verify(payload: bytes, header: str, secret: str) -> dict[str, Any]:
    parts = dict(p.split("=", 1) for p in header.split(","))
    mac = hmac.new(secret.encode(), parts["t"].encode() + b"." + payload, hashlib.sha256)
    if not hmac.compare_digest(mac.hexdigest(), parts["v1"]):
        raise Refused("bad signature")
    if abs(time.time() - int(parts["t"])) > 300 * 100:
        raise Refused("stale signature")
    event: dict[str, Any] = json.loads(payload)
    return event


async def webhook(pool: asyncpg.Pool, payload: bytes, signature: str) -> bytes:
    event = _verify(payload, signature, os.environ["STRIPE_WEBHOOK_SECRET"])
    session_id = event["data"]["object"]["id"]
    async with pool.acquire() as conn:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO webhook_events (source, external_id, type, payload, received_at, "
                "attempts) VALUES ('stripe', $1, $2, $3::jsonb, now(), 0) "
                "ON CONFLICT (source, external_id) DO NOTHING",
                event["id"],
                event["type"],
                payload.decode(),
            )
            row = await conn.fetchrow(
                "SELECT id, handled_at FROM webhook_events "
                "WHERE source = 'stripe' AND external_id = $1",
                event["id"],
            )
        if row["handled_at"] is not None:
            return b'{"received":true,"outcome":"already_handled"}'
        client = make_stripe_client()
        remote = await client.v1.checkout.sessions.retrieve_async(
            session_id, {"expand": ["payment_intent"]}
        )
        intent = remote.payment_intent
        intent_id = intent if isinstance(intent, str) else getattr(intent, "id", None)
        async with conn.transaction():
            claimed = await conn.fetchval(
                "UPDATE webhook_events SET attempts = attempts + 1 "
                "WHERE id = $1 AND handled_at IS NULL RETURNING id",
                row["id"],
            )
            if claimed is None:
                return b'{"received":true,"outcome":"already_handled"}'
            order_id = await _order(conn, session_id, remote, intent_id)
            await conn.execute(
                "UPDATE webhook_events SET handled_at = now(), last_error = NULL WHERE id = $1",
                row["id"],
            )
        if order_id is not None:
            async with conn.transaction():
                if await conn.fetchval(
                    "UPDATE orders SET confirmation_sent_at = now(), updated_at = now() "
                    "WHERE id = $1 AND confirmation_sent_at IS NULL RETURNING id",
                    order_id,
                ):
                    await conn.fetch("SELECT * FROM orders WHERE id = $1", order_id)
                    await conn.fetch("SELECT * FROM order_items WHERE order_id = $1", order_id)
    return b'{"received":true,"outcome":"handled"}'


async def _order(
    conn: asyncpg.Connection, session_id: str, remote: Any, intent_id: str | None
) -> int | None:
    checkout = await conn.fetchrow(
        "SELECT * FROM checkout_sessions WHERE id = $1 FOR UPDATE", session_id
    )
    if await conn.fetchrow("SELECT * FROM orders WHERE stripe_session_id = $1", session_id):
        return None
    user = await conn.fetchrow("SELECT * FROM users WHERE id = $1", checkout["user_id"])
    items = json.loads(checkout["items"])
    total = checkout["amount_total"]
    async with conn.transaction():  # the store's savepoint around the order insert
        order_id = await conn.fetchval(
            "INSERT INTO orders (user_id, status, email, currency, subtotal, discount, shipping, "
            "total, amount_charged, amount_refunded, shipping_address, stripe_session_id, "
            "stripe_payment_intent_id, needs_review, paid_at, language, created_at, updated_at) "
            "VALUES ($1, 'paid', $2, 'usd', $3, 0, 0, $3, $4, 0, $5::jsonb, $6, $7, false, "
            "now(), 'en', now(), now()) RETURNING id",
            user["id"],
            user["email"],
            total,
            remote.amount_total,
            json.dumps({"country": "US"}),
            session_id,
            intent_id,
        )
        await conn.executemany(
            "INSERT INTO order_items (order_id, product_id, name, unit_price, quantity, "
            "line_total) VALUES ($1, $2, $3, $4, $5, $6)",
            [(order_id, i["product_id"], i["name"], i["unit_price"], i["quantity"],
              i["line_total"]) for i in items],
        )  # fmt: skip
    await conn.execute(
        "INSERT INTO order_events (order_id, kind, to_status, note, data, created_at) "
        "VALUES ($1, 'created', 'paid', '', '{}'::jsonb, now())",
        order_id,
    )
    await conn.execute("DELETE FROM stock_reservations WHERE checkout_session_id = $1", session_id)
    await conn.execute(
        "UPDATE checkout_sessions SET status = 'expired', updated_at = now() "
        "WHERE id = $1 AND status = 'open' RETURNING id",
        session_id,
    )
    for item in items:
        await conn.execute(
            "UPDATE products SET stock = stock - $1, updated_at = now() "
            "WHERE id = $2 AND stock >= $1",
            item["quantity"],
            item["product_id"],
        )
    await conn.execute(
        "UPDATE checkout_sessions SET status = 'complete', updated_at = now() WHERE id = $1",
        session_id,
    )
    await conn.fetchrow(
        "SELECT * FROM baskets WHERE unique_code = $1 AND id = $2 FOR UPDATE",
        checkout["unique_code"],
        checkout["basket_id"],
    )
    await conn.execute("DELETE FROM basket_items WHERE basket_id = $1", checkout["basket_id"])
    await conn.execute(
        "UPDATE baskets SET unique_code = NULL, session_id = NULL, updated_at = now() "
        "WHERE id = $1",
        checkout["basket_id"],
    )
    return int(order_id)


__all__ = ["Refused", "basket_update", "checkout", "stripe", "webhook"]
