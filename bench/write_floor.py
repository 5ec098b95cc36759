"""The write path's floors: a basket update, a checkout and a webhook -> order done with the
store's own statements on raw asyncpg, and the same Stripe (emulator) calls, without FastAPI,
SQLAlchemy, pydantic or middleware.

Served by bench/floor.py under `/w/` (same uvicorn, same processes, same pool size as the
store), on rows of the floor's own customers (`floor-*` users made by bench.prepare), so the
store's and the floor's requests never touch the same basket. Each handler runs, in the same
transactions, on as many pooled connections, with the same row locks and in the same order,
the statements the store runs for that request (`python -m bench.write_statements` counts
both sides and fails when they differ; tests/proof/test_write_floor_statements.py runs it):

- `PUT /w/basket/<user_id>/<product_id>` with `{"quantity": n}` (9 statements): the user
  (auth), the basket locked (its id, code, coupon and checkout; all of it, and made first
  if missing, when it has no code or has a checkout), the product, its only variant (the
  columns the store reads of them, `basket/rows.py`), the line with what other checkouts
  hold, the line written (one upsert that also stamps the basket); the answer: the lines
  joined with their products, variants, held stock and the image each is shown with (option
  values only for variants that have some: never here), the default address's country, the
  zones;
- `POST /w/checkout/<user_id>`: the user, the basket locked, its lines, products, variants
  and option values, the address and zones (the shipping plan); an open unchanged session is
  handed back (9 statements); else the Stripe Customer (its first checkout) and its id
  written, the variants locked with their option values, the
  reservations summed, the Checkout Session made through the same SDK client with the same
  parameters (`StripeSession`), then the session row, the basket and the reservations (15);
- `POST /w/webhook`: the signature checked (HMAC), the event recorded in the inbox and
  committed (a redelivery: read back, answered; 2 statements), the session retrieved from
  Stripe with no connection held (same expansion as the store), then the claim, the checkout
  locked, the order and its lines in a savepoint, its event, the reservations and session,
  the stock of every line, the products recounted, the basket emptied, the stamp, committed;
  then the confirmation's claim in a transaction of its own (14 statements).

What the floor leaves out is the framework's work: routing, validation, the ORM's unit of
work and identity map, JSON through pydantic, the middleware, the JWT (the floor's URL names
the user; it checks the same ended-session row with a session id of its own). Log lines go
through the store's structlog setup at the store's LOG_LEVEL (the access line and the same
events), so both sides pay the same logging. Its pool skips asyncpg's reset query on release
(SQLAlchemy's pool sends none after a commit either). Only what the benchmark buys is
supported: products of one variant, no coupon, the default shipping zone, `TAX_MODE=off`;
anything else is refused with a 409 instead of being done differently.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import asyncpg
import stripe
import structlog

from vitrina.basket.codes import new_unique_code
from vitrina.basket.pricing import Quote, quote
from vitrina.config import Settings, get_settings
from vitrina.currencies.pricing import in_default
from vitrina.db import OLTP_SETTINGS
from vitrina.models import Base
from vitrina.payments import customers, gateway
from vitrina.payments.checkout_session import (
    StripeSession,
    added_tax,
    chosen_shipping,
    session_expiry,
    shipping_rate_ids,
    tax_breakdown,
)
from vitrina.payments.client import make_stripe_client
from vitrina.shipping.service import default_zone

RESERVATION_GRACE = timedelta(minutes=5)
REUSE_MARGIN = timedelta(minutes=2)
FLOOR_SESSION_ID = "floor-session"
"""What the floor's auth statement checks against `ended_sessions` (the store: the token's)."""

log = structlog.get_logger("vitrina.write_floor")
access_log = structlog.get_logger("vitrina.access")


class Refused(Exception):
    """A request the store would answer 4xx (out of stock, bad signature), or one the floor
    does not do (see the module's notes): answered 409."""


def _now() -> datetime:
    return datetime.now(UTC)


def _columns(table: str, alias: str | None = None) -> str:
    """Every column of a table, as the ORM selects an entity."""
    return ", ".join(f"{alias or table}.{c.name}" for c in Base.metadata.tables[table].columns)


VALUES_COLUMNS = "variant_option_values.variant_id, " + _columns("product_option_values")
BASKET_PRODUCT = (
    "products.id AS p_id, products.name AS p_name, products.name_en AS p_name_en, "
    "products.name_ru AS p_name_ru, products.slug AS p_slug, products.currency AS p_currency, "
    "products.is_active AS p_is_active, products.stripe_id AS p_stripe_id, "
    "products.sync_version AS p_sync_version, products.synced_version AS p_synced_version, "
    "products.weight_grams AS p_weight_grams, products.ships_to AS p_ships_to, "
    "products.tax_class AS p_tax_class"
)
BASKET_VARIANT = (
    "product_variants.id AS v_id, product_variants.product_id AS v_product_id, "
    "product_variants.combination AS v_combination, product_variants.sku AS v_sku, "
    "product_variants.price AS v_price, product_variants.stock AS v_stock, "
    "product_variants.weight_grams AS v_weight_grams, "
    "product_variants.is_active AS v_is_active, product_variants.image_id AS v_image_id, "
    "product_variants.stripe_price_id AS v_stripe_price_id, "
    "product_variants.stripe_price_amount AS v_stripe_price_amount"
)
"""The columns a basket change reads of a product and a variant (the store's `basket/rows.py`)."""

SQL = {
    "user": f"SELECT {_columns('users')} FROM users WHERE users.id = $1 AND NOT (EXISTS "
    "(SELECT * FROM ended_sessions WHERE ended_sessions.id = $2))",
    "basket_lock": f"SELECT {_columns('baskets')} FROM baskets WHERE baskets.user_id = $1 "
    "FOR UPDATE",
    "basket_row_lock": "SELECT baskets.id, baskets.unique_code, baskets.coupon_id, "
    "baskets.session_id FROM baskets WHERE baskets.user_id = $1 FOR UPDATE",
    "basket_new": "INSERT INTO baskets (user_id, unique_code, created_at, updated_at) "
    "VALUES ($1, $2, $3, $3) ON CONFLICT (user_id) DO NOTHING",
    "products": f"SELECT {_columns('products')} FROM products WHERE products.id = ANY($1::int[])",
    "variants": f"SELECT {_columns('product_variants')} FROM product_variants "
    "WHERE product_variants.id = ANY($1::int[])",
    "variants_lock": f"SELECT {_columns('product_variants')} FROM product_variants "
    "WHERE product_variants.id = ANY($1::int[]) ORDER BY product_variants.id "
    "FOR UPDATE OF product_variants",
    "values": f"SELECT {VALUES_COLUMNS} FROM variant_option_values JOIN product_option_values "
    "ON product_option_values.id = variant_option_values.value_id "
    "WHERE variant_option_values.variant_id = ANY($1::int[]) "
    "ORDER BY product_option_values.option_id",
    "basket_product": f"SELECT {BASKET_PRODUCT} FROM products WHERE products.id = $1",
    "basket_only_variant": f"SELECT {BASKET_VARIANT} FROM product_variants "
    "WHERE product_variants.product_id = $1 LIMIT 2",
    "basket_lines": f"SELECT basket_items.quantity, {BASKET_PRODUCT}, {BASKET_VARIANT}, "
    "(SELECT coalesce(sum(stock_reservations.quantity), 0) FROM stock_reservations "
    "WHERE stock_reservations.variant_id = basket_items.variant_id "
    "AND stock_reservations.expires_at > $1 AND stock_reservations.checkout_session_id != $2) "
    "AS held, coalesce((SELECT product_images.path FROM product_images "
    "WHERE product_images.id = product_variants.image_id "
    "AND product_images.product_id = basket_items.product_id), "
    "(SELECT product_images.path FROM product_images "
    "WHERE product_images.product_id = basket_items.product_id "
    "ORDER BY product_images.position, product_images.id LIMIT 1)) AS image_path "
    "FROM basket_items JOIN products ON products.id = basket_items.product_id "
    "JOIN product_variants ON product_variants.id = basket_items.variant_id "
    "WHERE basket_items.basket_id = $3 ORDER BY basket_items.id",
    "line_and_held": "SELECT (SELECT basket_items.quantity FROM basket_items "
    "WHERE basket_items.basket_id = $1 AND basket_items.variant_id = $2) AS have, "
    "(SELECT coalesce(sum(stock_reservations.quantity), 0) FROM stock_reservations "
    "WHERE stock_reservations.variant_id = $2 AND stock_reservations.expires_at > $3 "
    "AND stock_reservations.checkout_session_id != $4) AS held",
    "put_line": "WITH touched AS (UPDATE baskets SET updated_at = $5 WHERE baskets.id = $1) "
    "INSERT INTO basket_items (basket_id, product_id, variant_id, quantity, added_at) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (basket_id, variant_id) "
    "DO UPDATE SET quantity = excluded.quantity",
    "remove_line": "DELETE FROM basket_items WHERE basket_items.basket_id = $1 "
    "AND basket_items.variant_id = $2",
    "lines": f"SELECT {_columns('basket_items')} FROM basket_items "
    "WHERE basket_items.basket_id = $1 ORDER BY basket_items.id",
    "address": f"SELECT {_columns('shipping_addresses')} FROM shipping_addresses "
    "WHERE shipping_addresses.user_id = $1 AND shipping_addresses.is_default IS true",
    "address_country": "SELECT shipping_addresses.country FROM shipping_addresses "
    "WHERE shipping_addresses.user_id = $1 AND shipping_addresses.is_default IS true",
    "zones": "SELECT shipping_zones.id, shipping_zones.name, "
    "CAST(shipping_zones.countries AS VARCHAR) AS countries, shipping_zones.is_active "
    "FROM shipping_zones ORDER BY shipping_zones.position, shipping_zones.id",
    "checkout": f"SELECT {_columns('checkout_sessions')} FROM checkout_sessions "
    "WHERE checkout_sessions.id = $1",
    "customer": "UPDATE users SET stripe_customer_id = $1, stripe_customer_digest = $2, "
    "updated_at = $3 WHERE users.id = $4",
    "reserved": "SELECT stock_reservations.variant_id, sum(stock_reservations.quantity) "
    "FROM stock_reservations WHERE stock_reservations.variant_id = ANY($2::int[]) "
    "AND stock_reservations.expires_at > $1 GROUP BY stock_reservations.variant_id",
    "record_checkout": "INSERT INTO checkout_sessions (id, basket_id, user_id, unique_code, "
    "status, url, currency, amount_subtotal, amount_discount, amount_shipping, amount_total, "
    "coupon_id, coupon_number, language, items, expires_at, shipping_country, "
    "shipping_options, created_at, updated_at) VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, "
    "$8, $9, $10, NULL, NULL, $11, $12::jsonb, $13, $14, $15::jsonb, $16, $16)",
    "basket_session": "UPDATE baskets SET session_id = $1, updated_at = $2 WHERE baskets.id = $3",
    "reserve": "INSERT INTO stock_reservations (product_id, variant_id, checkout_session_id, "
    "quantity, expires_at, created_at) SELECT * FROM unnest($1::int[], $2::int[], "
    "$3::varchar[], $4::int[], $5::timestamptz[], $6::timestamptz[])",
    "inbox": "INSERT INTO webhook_events (source, external_id, type, payload, received_at, "
    "attempts) VALUES ('stripe', $1, $2, $3::jsonb, $4, 0) "
    "ON CONFLICT (source, external_id) DO NOTHING RETURNING webhook_events.id",
    "inbox_again": "SELECT webhook_events.id, webhook_events.handled_at FROM webhook_events "
    "WHERE webhook_events.source = 'stripe' AND webhook_events.external_id = $1",
    "claim": "UPDATE webhook_events SET attempts = webhook_events.attempts + 1 "
    "WHERE webhook_events.id = $1 AND webhook_events.handled_at IS NULL "
    "RETURNING webhook_events.id",
    "checkout_lock": f"SELECT {_columns('checkout_sessions')} FROM checkout_sessions "
    "WHERE checkout_sessions.id = $1 FOR UPDATE",
    "order_of_session": f"SELECT {_columns('orders')} FROM orders "
    "WHERE orders.stripe_session_id = $1",
    "order": "INSERT INTO orders (user_id, status, email, currency, subtotal, discount, "
    "shipping, shipping_name, shipping_rate_id, tax, tax_breakdown, total, amount_charged, "
    "amount_refunded, coupon_code, shipping_address, stripe_session_id, "
    "stripe_payment_intent_id, needs_review, review_reason, paid_at, confirmation_sent_at, "
    "language, created_at, updated_at) VALUES ($1, 'paid', $2, $3, $4, $5, $6, $7, $8, $9, "
    "$10::jsonb, $11, $12, 0, $13, $14::jsonb, $15, $16, $17, $18, $19, NULL, $20, $19, $19) "
    "RETURNING orders.id",
    "order_items": "INSERT INTO order_items (order_id, product_id, variant_id, sku, options, "
    "name, unit_price, quantity, line_total, tax_amount) SELECT $1, * FROM unnest($2::int[], "
    "$3::int[], $4::varchar[], $5::varchar[], $6::varchar[], $7::int[], $8::int[], $9::int[], "
    "$10::int[])",
    "order_event": "INSERT INTO order_events (order_id, actor_id, kind, from_status, "
    "to_status, note, data, created_at) VALUES ($1, NULL, 'created', NULL, 'paid', $2, "
    "$3::jsonb, $4) RETURNING order_events.id",
    "complete": "WITH released AS (DELETE FROM stock_reservations "
    "WHERE stock_reservations.checkout_session_id = $2) UPDATE checkout_sessions "
    "SET status = 'complete', updated_at = $1 WHERE checkout_sessions.id = $2",
    "take_stock": "UPDATE product_variants SET stock = product_variants.stock - sold.quantity, "
    "updated_at = $1 FROM unnest($2::int[], $3::int[]) AS sold(variant_id, quantity) "
    "WHERE product_variants.id = sold.variant_id AND product_variants.stock >= sold.quantity "
    "RETURNING product_variants.id, product_variants.product_id",
    "recount": "UPDATE products SET stock = coalesce((SELECT sum(product_variants.stock) "
    "FROM product_variants WHERE product_variants.product_id = products.id "
    "AND product_variants.is_active IS true), 0), updated_at = $1 "
    "WHERE products.id = ANY($2::int[])",
    "empty_paid": "WITH forgotten AS (UPDATE baskets SET unique_code = NULL, coupon_id = NULL, "
    "session_id = NULL, updated_at = $1 WHERE baskets.id = $2 AND baskets.unique_code = $3 "
    "RETURNING baskets.id), emptied AS (DELETE FROM basket_items "
    "WHERE basket_items.basket_id IN (SELECT forgotten.id FROM forgotten)) "
    "SELECT forgotten.id FROM forgotten",
    "stamp": "UPDATE webhook_events SET handled_at = $1, last_error = NULL "
    "WHERE webhook_events.id = $2",
    "confirmation": "UPDATE orders SET confirmation_sent_at = $1, updated_at = $1 "
    "WHERE orders.id = $2 AND orders.confirmation_sent_at IS NULL RETURNING orders.id",
}
"""The store's statements for these requests (`reads.recorded_statements()` shows them),
with `= ANY(array)` where the ORM expands `IN (...)` and `unnest` where it sends a
multi-row VALUES: the same rows, locks and round trips."""


async def _no_reset(_connection: asyncpg.Connection) -> None:
    """A released connection is not reset by a query: its transaction has ended (asyncpg
    rolls back one left open, as SQLAlchemy's pool does) and the floor sets nothing else."""


async def create_pool(
    dsn: str, size: int, init: Callable[[asyncpg.Connection], Awaitable[None]] | None = None
) -> asyncpg.Pool:
    """The floor's pool: `size` connections, the store's session settings, no reset query
    (`init`: run on each new connection)."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=size,
        max_size=size,
        server_settings=OLTP_SETTINGS,
        reset=_no_reset,
        init=init,
    )
    assert pool is not None
    return pool


def logged(
    method: str, path: str, handler: Callable[[], Awaitable[bytes]]
) -> Callable[[], Awaitable[tuple[int, bytes]]]:
    """The request with the store's access log line (and its request id in the context)."""

    async def call() -> tuple[int, bytes]:
        structlog.contextvars.bind_contextvars(request_id=uuid.uuid4().hex)
        started = time.perf_counter()
        status = 500
        try:
            body = await handler()
            status = 200
            return status, body
        except Refused as exc:
            status = 409
            return status, json.dumps({"detail": str(exc)}).encode()
        finally:
            ms = round((time.perf_counter() - started) * 1000, 1)
            access_log.info("request", method=method, path=path, status=status, ms=ms)
            structlog.contextvars.unbind_contextvars("request_id")

    return call


# --- basket update ------------------------------------------------------------------------


async def _basket(conn: asyncpg.Connection, user_id: int) -> asyncpg.Record:
    """The customer's basket, locked; made first when there is none (as `get_basket`)."""
    basket = await conn.fetchrow(SQL["basket_lock"], user_id)
    if basket is None:
        await conn.execute(SQL["basket_new"], user_id, new_unique_code(), _now())
        basket = await conn.fetchrow(SQL["basket_lock"], user_id)
    assert basket is not None
    if basket["unique_code"] is None:
        raise Refused("the floor does not give a basket a new code")
    return basket


async def _user(conn: asyncpg.Connection, user_id: int) -> asyncpg.Record:
    user = await conn.fetchrow(SQL["user"], user_id, FLOOR_SESSION_ID)
    if user is None or not user["is_active"]:
        raise Refused("not logged in")
    return user


async def basket_update(pool: asyncpg.Pool, user_id: int, product_id: int, quantity: int) -> bytes:
    settings = get_settings()
    async with pool.acquire() as conn, conn.transaction():
        user = await _user(conn, user_id)
        basket = await conn.fetchrow(SQL["basket_row_lock"], user_id)
        if basket is None or basket["unique_code"] is None or basket["session_id"] is not None:
            basket = await _basket(conn, user_id)  # as the store: the entity, made if missing
        product = await conn.fetchrow(SQL["basket_product"], product_id)
        if product is None:
            raise Refused(f"Product {product_id} does not exist.")
        only = await conn.fetch(SQL["basket_only_variant"], product_id)
        if len(only) != 1 or only[0]["v_combination"]:
            raise Refused("the floor sells products of one variant only")
        variant = only[0]  # a default variant: no option values to read (as the store)
        own = basket["session_id"] or ""
        line = await conn.fetchrow(SQL["line_and_held"], basket["id"], variant["v_id"], _now(), own)
        assert line is not None
        if basket["session_id"] is not None and line["have"] != quantity:
            raise Refused("the floor does not retire open checkouts")
        if quantity == 0:
            if line["have"] is not None:
                await conn.execute(SQL["remove_line"], basket["id"], variant["v_id"])
        elif not (product["p_is_active"] and variant["v_is_active"]):
            raise Refused(f"“{product['p_name']}” is no longer for sale.")
        elif line["have"] != quantity:
            if quantity > max(variant["v_stock"] - int(line["held"]), 0):
                raise Refused(f"Not enough of “{product['p_name']}” left in stock.")
            await conn.execute(
                SQL["put_line"], basket["id"], product_id, variant["v_id"], quantity, _now()
            )
        lines = await conn.fetch(SQL["basket_lines"], _now(), own, basket["id"])
        if any(r["v_combination"] for r in lines):
            raise Refused("the floor sells products of one variant only")
        await conn.fetch(SQL["address_country"], user["id"])
        await conn.fetch(SQL["zones"])
    shown = [
        {
            "product_id": r["p_id"],
            "variant_id": r["v_id"],
            "name": r["p_name"],
            "price": r["v_price"],
            "image": r["image_path"],
            "quantity": r["quantity"],
            "line_total": r["v_price"] * r["quantity"],
            "available": max(r["v_stock"] - int(r["held"]), 0),
        }
        for r in lines
    ]
    subtotal = sum(line["line_total"] for line in shown)
    answer = {
        "id": basket["id"],
        "unique_code": basket["unique_code"],
        "currency": settings.store_currency,
        "items": shown,
        "subtotal": subtotal,
        "total": subtotal,
    }
    return json.dumps(answer).encode()


# --- checkout ---------------------------------------------------------------------------


def _sold(product: asyncpg.Record, variant: asyncpg.Record) -> SimpleNamespace:
    """A one-variant product as `basket.sold.Sold` presents it to pricing and Stripe."""
    return SimpleNamespace(
        **{f"name_{language}": product[f"name_{language}"] for language in ("en", "ru")},
        id=product["id"],
        variant_id=variant["id"],
        sku=variant["sku"],
        options="",
        name=product["name"],
        price=variant["price"],
        currency=product["currency"],
        stripe_id=product["stripe_id"],
        sync_version=product["sync_version"],
        synced_version=product["synced_version"],
        synced_price_id=None,
        is_active=product["is_active"] and variant["is_active"],
    )


@dataclass(frozen=True)
class _Plan:
    """The default zone's one option (no zone set up), as `shipping.service.plan_for`."""

    country: str | None
    option: SimpleNamespace
    countries: list[str]

    @classmethod
    def of(cls, settings: Settings, address: asyncpg.Record | None, zones: list[Any]) -> _Plan:
        if zones:
            raise Refused("the floor knows only the default shipping zone")
        zone = default_zone(settings)
        method = zone.methods[0]
        option = SimpleNamespace(
            method_id=None, name=method.name, amount=method.amount, min_days=None, max_days=None
        )
        country = address["country"] if address is not None else None
        return cls(country, option, list(zone.countries))

    def offered(self, rate: str | None) -> list[dict[str, Any]]:
        option = self.option
        return [{**vars(option), "rate": rate}]


def _quote(lines: list[tuple[SimpleNamespace, int]], plan: _Plan, language: str) -> Quote:
    pricing = in_default(get_settings().store_currency)
    return quote(
        lines, None, pricing=pricing, shipping_amount=plan.option.amount, language=language
    )


async def checkout(pool: asyncpg.Pool, user_id: int) -> bytes:
    settings = get_settings()
    language = settings.store_language
    client = make_stripe_client(settings)
    async with pool.acquire() as conn, conn.transaction():
        user = await _user(conn, user_id)
        basket = await _basket(conn, user_id)
        if basket["coupon_id"] is not None:
            raise Refused("the floor sells without coupons")
        items = await conn.fetch(SQL["lines"], basket["id"])
        if not items:
            raise Refused("Your basket is empty.")
        products = {r["id"]: r for r in await conn.fetch(SQL["products"], _ids(items, "product"))}
        variant_ids = _ids(items, "variant")
        variants = {r["id"]: r for r in await conn.fetch(SQL["variants"], variant_ids)}
        await conn.fetch(SQL["values"], variant_ids)
        address = await conn.fetchrow(SQL["address"], user_id)
        if address is not None:
            raise Refused("the floor has no shipping address for the Customer")
        plan = _Plan.of(settings, address, list(await conn.fetch(SQL["zones"])))
        lines = [(_sold(products[i["product_id"]], variants[i["variant_id"]]), i["quantity"])
                 for i in items]  # fmt: skip
        if basket["session_id"] is not None:
            open_ = await conn.fetchrow(SQL["checkout"], basket["session_id"])
            if _reusable(open_, _quote(lines, plan, language), plan):
                assert open_ is not None
                return json.dumps({"url": open_["url"], "session_id": open_["id"]}).encode()
            raise Refused("the floor does not retire open checkouts")
        account = SimpleNamespace(**dict(user))
        await customers.ensure_customer_async(client, account)
        if (account.stripe_customer_id, account.stripe_customer_digest) != (
            user["stripe_customer_id"],
            user["stripe_customer_digest"],
        ):
            await conn.execute(
                SQL["customer"],
                account.stripe_customer_id,
                account.stripe_customer_digest,
                _now(),
                user_id,
            )
        locked = {r["id"]: r for r in await conn.fetch(SQL["variants_lock"], variant_ids)}
        await conn.fetch(SQL["values"], variant_ids)
        rows = await conn.fetch(SQL["reserved"], _now(), variant_ids)
        reserved = {r["variant_id"]: int(r["sum"]) for r in rows}
        lines = [(_sold(products[i["product_id"]], locked[i["variant_id"]]), i["quantity"])
                 for i in items]  # fmt: skip
        for sold, quantity in lines:
            if not sold.is_active or quantity > locked[sold.variant_id]["stock"] - reserved.get(
                sold.variant_id, 0
            ):
                raise Refused(f"Not enough of “{sold.name}” left in stock.")
        priced = _quote(lines, plan, language)
        expires_at = session_expiry(settings)
        created = await StripeSession(
            user=account,
            products=lines,
            unique_code=basket["unique_code"],
            basket_id=basket["id"],
            expires_at=expires_at,
            client=client,
            settings=settings,
            language=language,
            shipping_options=[plan.option],
            allowed_countries=plan.countries,
        ).get_session_payments_async()
        if created.status != "open" or (created.amount_total or 0) != priced.total:
            raise Refused("Stripe answered a session the floor does not record")
        now = _now()
        await conn.execute(
            SQL["record_checkout"], created.id, basket["id"], user_id, basket["unique_code"],
            created.url, priced.currency, priced.subtotal, priced.discount, priced.shipping,
            priced.total, language, json.dumps(priced.items_snapshot()), expires_at,
            plan.country, json.dumps(plan.offered(_first(shipping_rate_ids(created)))), now,
        )  # fmt: skip
        await conn.execute(SQL["basket_session"], created.id, now, basket["id"])
        held = priced.lines
        await conn.execute(
            SQL["reserve"], [q.product_id for q in held], [q.variant_id for q in held],
            [created.id] * len(held), [q.quantity for q in held],
            [expires_at + RESERVATION_GRACE] * len(held), [now] * len(held),
        )  # fmt: skip
        log.info("checkout_session_opened", session_id=created.id, basket_id=basket["id"])
    return json.dumps({"url": created.url, "session_id": created.id}).encode()


def _ids(rows: list[asyncpg.Record], kind: str) -> list[int]:
    return sorted({r[f"{kind}_id"] for r in rows})


def _first(rates: list[str]) -> str | None:
    return rates[0] if rates else None


def _reusable(checkout: asyncpg.Record | None, priced: Quote, plan: _Plan) -> bool:
    """As `basket.checkout._reusable_checkout`: open, not about to expire, same lines, total,
    currency and shipping offer."""
    if checkout is None or checkout["status"] != "open":
        return False
    if checkout["expires_at"] <= _now() + REUSE_MARGIN:
        return False
    recorded = json.loads(checkout["shipping_options"] or "[]")
    offer = [{k: v for k, v in o.items() if k != "rate"} for o in recorded]
    return (
        json.loads(checkout["items"]) == priced.items_snapshot()
        and checkout["coupon_id"] is None
        and checkout["amount_total"] == priced.total
        and checkout["currency"] == priced.currency
        and checkout["shipping_country"] == plan.country
        and offer == [vars(plan.option)]
    )


# --- webhook -> order ---------------------------------------------------------------------


def _verify(payload: bytes, header: str, secret: str) -> dict[str, Any]:
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        mac = hmac.new(secret.encode(), parts["t"].encode() + b"." + payload, hashlib.sha256)
        fresh = abs(time.time() - int(parts["t"])) <= 300
    except (KeyError, ValueError) as exc:
        raise Refused("bad signature") from exc
    if not hmac.compare_digest(mac.hexdigest(), parts["v1"]) or not fresh:
        raise Refused("bad or expired signature")
    event: dict[str, Any] = json.loads(payload)
    return event


async def webhook(pool: asyncpg.Pool, payload: bytes, signature: str) -> bytes:
    settings = get_settings()
    event = _verify(payload, signature, settings.webhook_key())
    if event["type"] != "checkout.session.completed":
        raise Refused("the floor handles checkout.session.completed only")
    async with pool.acquire() as conn, conn.transaction():
        row_id = await conn.fetchval(
            SQL["inbox"], event["id"], event["type"], payload.decode(), _now()
        )
        if row_id is None:
            again = await conn.fetchrow(SQL["inbox_again"], event["id"])
            assert again is not None
            if again["handled_at"] is not None:
                return b'{"received":true,"outcome":"already_handled"}'
            row_id = again["id"]
    client = make_stripe_client(settings)
    remote = await client.v1.checkout.sessions.retrieve_async(
        event["data"]["object"]["id"], {"expand": ["payment_intent", "total_details.breakdown"]}
    )
    if remote.status != "complete" or remote.payment_status != "paid":
        raise Refused("the floor orders paid sessions only")
    async with pool.acquire() as conn, conn.transaction():
        if await conn.fetchval(SQL["claim"], row_id) is None:
            return b'{"received":true,"outcome":"already_handled"}'
        order_id = await _order(conn, remote)
        await conn.execute(SQL["stamp"], _now(), row_id)
    if order_id is not None:
        async with pool.acquire() as conn, conn.transaction():
            if await conn.fetchval(SQL["confirmation"], _now(), order_id) is not None:
                log.info("order_confirmation_sent", row_id=order_id)
    return b'{"received":true,"outcome":"handled"}'


def _shipping_address(remote: stripe.checkout.Session) -> dict[str, Any] | None:
    collected = remote.collected_information
    if collected is None or collected.shipping_details is None:
        return None
    details = collected.shipping_details
    return {"name": details.name, **gateway.plain(details.address)}


async def _order(conn: asyncpg.Connection, remote: stripe.checkout.Session) -> int | None:
    """The order of a paid session whose checkout row is still open (the store's fulfilment
    for that case); None, with nothing written, for any other."""
    checkout = await conn.fetchrow(SQL["checkout_lock"], remote.id)
    if checkout is None or checkout["status"] != "open":
        if checkout is not None:
            await conn.fetchrow(SQL["order_of_session"], remote.id)
        return None
    email = remote.customer_details.email if remote.customer_details else None
    if not email or checkout["user_id"] is None:
        raise Refused("the floor orders for customers whose email Stripe gives")
    lines = json.loads(checkout["items"])
    rate_id, charged = chosen_shipping(remote)
    offered = {o["rate"]: o for o in json.loads(checkout["shipping_options"] or "[]")}
    chosen = offered.get(rate_id)
    shipping = checkout["amount_shipping"] if charged is None else charged
    total = checkout["amount_total"] - checkout["amount_shipping"] + shipping + added_tax(remote)
    intent = remote.payment_intent
    intent_id = intent if isinstance(intent, str) else getattr(intent, "id", None)
    unique_code = (gateway.plain(remote.metadata) or {}).get("unique_code") or checkout[
        "unique_code"
    ]
    needs_review = remote.amount_total != total or unique_code != checkout["unique_code"]
    now = _now()
    tax = remote.total_details.amount_tax if remote.total_details else 0
    async with conn.transaction():  # the store's savepoint around the order's insert
        order_id = await conn.fetchval(
            SQL["order"], checkout["user_id"], email, checkout["currency"],
            checkout["amount_subtotal"], checkout["amount_discount"], shipping,
            chosen["name"] if chosen else None, rate_id, tax or 0,
            json.dumps(tax_breakdown(remote) or None), total, remote.amount_total or 0,
            checkout["coupon_number"], json.dumps(_shipping_address(remote)), remote.id,
            intent_id, needs_review, "The amounts differ." if needs_review else None, now,
            checkout["language"],
        )  # fmt: skip
        await conn.execute(
            SQL["order_items"], order_id, [line["product_id"] for line in lines],
            [line["variant_id"] for line in lines], [line.get("sku") for line in lines],
            [line.get("options") or None for line in lines], [line["name"] for line in lines],
            [line["unit_price"] for line in lines], [line["quantity"] for line in lines],
            [line["line_total"] for line in lines], [0] * len(lines),
        )  # fmt: skip
    note = f"Order created from Checkout Session {remote.id}."
    data = json.dumps({"source": "webhook", "stripe_session_id": remote.id})
    await conn.fetchval(SQL["order_event"], order_id, note, data, now)
    await conn.execute(SQL["complete"], now, remote.id)
    sold: dict[int, int] = {}
    for line in lines:
        sold[line["variant_id"]] = sold.get(line["variant_id"], 0) + line["quantity"]
    ids = sorted(sold)
    taken = await conn.fetch(SQL["take_stock"], now, ids, [sold[i] for i in ids])
    await conn.execute(SQL["recount"], now, sorted({r["product_id"] for r in taken}))
    await conn.fetch(SQL["empty_paid"], now, checkout["basket_id"], unique_code)
    log.info("order_created", order_id=order_id, stripe_session_id=remote.id)
    return int(order_id)


__all__ = ["SQL", "Refused", "basket_update", "checkout", "create_pool", "logged", "webhook"]
