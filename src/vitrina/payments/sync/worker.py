"""The sync worker: claim due rows, bring Stripe to their version, record the outcome.

A row is due when `synced_version < sync_version` and its next attempt time has come. A
worker claims due rows with `SELECT ... FOR NO KEY UPDATE SKIP LOCKED` (a short transaction)
and a lease row in `stripe_sync_leases`, then talks to Stripe holding no database lock, and
finally marks `synced_version = version` only if the row's version did not move meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Literal

import stripe
import structlog
from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import Product, ProductVariant
from vitrina.coupons.models import DiscountCoupon
from vitrina.db import db_helper
from vitrina.kit.clock import utcnow
from vitrina.payments.client import make_stripe_client
from vitrina.payments.sync.coupons import CodeTaken, CouponTarget, push_coupon
from vitrina.payments.sync.currency_options import enabled_rates
from vitrina.payments.sync.ids import idempotency_key
from vitrina.payments.sync.leases import backoff, call_budget, live_lease, release, take_lease
from vitrina.payments.sync.products import ProductTarget, push_product
from vitrina.payments.sync.stripe_io import Delivery, LeaseExpired, describe
from vitrina.payments.sync.targets import coupon_target, full_product_target
from vitrina.payments.sync.tombstones import claim_tombstones, deliver_tombstone
from vitrina.payments.sync.variant_prices import VariantPrice

log = structlog.get_logger(__name__)

Kind = Literal["product", "coupon"]
VARIANT_PRICES = "_variant_prices"
"""Key of a product delivery's result holding its variants' Prices (not a column)."""
MODELS: dict[Kind, type[Product] | type[DiscountCoupon]] = {
    "product": Product,
    "coupon": DiscountCoupon,
}


@dataclass
class WorkerConfig:
    lease_seconds: float = 120.0
    backoff_base: float = 2.0
    backoff_cap: float = 600.0
    batch: int = 20
    owner: str = field(default_factory=lambda: uuid.uuid4().hex)


def due_condition(model: type[Product] | type[DiscountCoupon]) -> list[object]:
    now = utcnow()
    return [
        model.synced_version < model.sync_version,
        or_(model.sync_next_attempt_at.is_(None), model.sync_next_attempt_at <= now),
    ]


async def claim(kind: Kind, limit: int, config: WorkerConfig) -> tuple[list[int], float]:
    """Lease up to `limit` due rows of one kind to this worker; commit at once.

    Returns the ids and the monotonic time by which this worker must have stopped calling
    Stripe for them (measured before the leases were written, so never late).
    """
    deadline = time.monotonic() + config.lease_seconds
    model = MODELS[kind]
    leased = live_lease(kind, model.id)
    async with db_helper.session_factory() as session:
        query = (
            select(model.id)
            .where(*due_condition(model), ~leased)  # type: ignore[arg-type]
            .order_by(model.id)
            .limit(limit)
        )
        if db_helper.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, key_share=True, of=model)
        ids = list(await session.scalars(query))
        claimed = [
            i for i in ids if await take_lease(session, kind, i, config.owner, config.lease_seconds)
        ]
        await session.commit()
    return claimed, deadline


async def deliver(kind: Kind, row_id: int, config: WorkerConfig, deadline: float) -> bool:
    """Deliver one leased row. True when Stripe now matches the version that was read."""
    model = MODELS[kind]
    async with db_helper.session_factory() as session:
        row: Product | DiscountCoupon | None = await session.get(model, row_id)
        if row is None or row.synced_version >= row.sync_version:
            await release(session, kind, row_id, config.owner)
            await session.commit()
            return False
        version, attempts = row.sync_version, row.sync_attempts
        unchanged = _unchanged(row)
        push: Callable[[Delivery], Awaitable[dict[str, object]]]
        if isinstance(row, Product):
            rates = await enabled_rates(session)
            push = partial(_push_product, target=await full_product_target(session, row, rates))
        else:
            target = coupon_target(row, await enabled_rates(session))
            push = partial(_push_coupon, target=target, known=row.stripe_id)
        await session.rollback()
    delivery = Delivery(
        make_stripe_client(),
        idempotency_key(kind, row_id, version, attempts),
        deadline=deadline,
        call_budget=call_budget(),
    )
    try:
        values = await push(delivery)
    except LeaseExpired:
        log.warning("stripe_sync_lease_expired", kind=kind, row_id=row_id, version=version)
        return False
    except (stripe.StripeError, CodeTaken) as error:
        await _record_failure(kind, row_id, version, attempts, describe(error), config)
        return False
    except Exception as error:
        log.exception("stripe_sync_crashed", kind=kind, row_id=row_id, version=version)
        await _record_failure(kind, row_id, version, attempts, describe(error), config)
        return False
    return await _record_success(kind, row_id, version, values, config, unchanged)


def _unchanged(row: Product | DiscountCoupon) -> list[ColumnElement[bool]]:
    """Conditions that hold while the row still shows the state being pushed.

    The version check alone trusts every writer to bump `sync_version` under a row lock; two
    unlocked edits could both write the same next version. Comparing the synced fields too
    means such a change is never marked delivered: the row stays due and goes out next.
    """
    if isinstance(row, Product):
        return [
            Product.name == row.name,
            Product.price == row.price,
            Product.currency == row.currency,
            Product.is_active == row.is_active,
        ]
    return [
        DiscountCoupon.number == row.number,
        DiscountCoupon.is_active == row.is_active,
        DiscountCoupon.deleted_at.is_(None)
        if row.deleted_at is None
        else DiscountCoupon.deleted_at.is_not(None),
    ]


async def _push_product(delivery: Delivery, *, target: ProductTarget) -> dict[str, object]:
    product = await push_product(delivery, target)
    values: dict[str, object] = {
        "stripe_id": product.stripe_id,
        "stripe_price_id": product.price_id,
        "stripe_price_amount": product.price_amount,
    }
    if target.variants is not None:
        values[VARIANT_PRICES] = product.variant_prices
    return values


async def _push_coupon(
    delivery: Delivery, *, target: CouponTarget, known: str | None
) -> dict[str, object]:
    coupon = await push_coupon(delivery, target, [known])
    values: dict[str, object] = {"stripe_promotion_code_id": coupon.promotion_code_id}
    if coupon.stripe_id is not None:
        values["stripe_id"] = coupon.stripe_id
    return values


async def _record_success(
    kind: Kind,
    row_id: int,
    version: int,
    values: dict[str, object],
    config: WorkerConfig,
    unchanged: list[ColumnElement[bool]],
) -> bool:
    model = MODELS[kind]
    now = utcnow()
    variant_prices = values.pop(VARIANT_PRICES, None)
    async with db_helper.session_factory() as session:
        await session.execute(
            update(model)
            .where(model.id == row_id)
            .values(**values, synced_at=now, updated_at=model.updated_at)
            .execution_options(synchronize_session=False)
        )
        result = await session.execute(
            update(model)
            .where(model.id == row_id, model.sync_version == version, *unchanged)
            .values(
                synced_version=version,
                sync_attempts=0,
                sync_error=None,
                sync_next_attempt_at=None,
                updated_at=model.updated_at,
            )
            .execution_options(synchronize_session=False)
        )
        done = bool(getattr(result, "rowcount", 0))
        if done and isinstance(variant_prices, tuple):
            await _record_variant_prices(session, row_id, variant_prices)
        if not done:  # changed meanwhile under the same version: next time, fresh keys
            await session.execute(
                update(model)
                .where(model.id == row_id, model.sync_version == version)
                .values(sync_attempts=model.sync_attempts + 1, updated_at=model.updated_at)
                .execution_options(synchronize_session=False)
            )
        await release(session, kind, row_id, config.owner)
        await session.commit()
    log.info("stripe_synced", kind=kind, row_id=row_id, version=version, current=done)
    return done


async def _record_variant_prices(
    session: AsyncSession, product_id: int, prices: tuple[VariantPrice, ...]
) -> None:
    """Each variant's Price as delivered, recorded with the version that asked for it (so
    checkout's "synced and current" test reads one consistent state)."""
    for price in prices:
        await session.execute(
            update(ProductVariant)
            .where(ProductVariant.id == price.variant_id, ProductVariant.product_id == product_id)
            .values(stripe_price_id=price.price_id, stripe_price_amount=price.amount)
            .execution_options(synchronize_session=False)
        )


async def _record_failure(
    kind: Kind, row_id: int, version: int, attempts: int, error: str, config: WorkerConfig
) -> None:
    model = MODELS[kind]
    delay = backoff(attempts + 1, config.backoff_base, config.backoff_cap)
    async with db_helper.session_factory() as session:
        await session.execute(
            update(model)
            .where(model.id == row_id, model.sync_version == version)
            .values(
                sync_attempts=attempts + 1,
                sync_error=error,
                sync_next_attempt_at=utcnow() + timedelta(seconds=delay),
                updated_at=model.updated_at,
            )
            .execution_options(synchronize_session=False)
        )
        await release(session, kind, row_id, config.owner)
        await session.commit()
    log.warning(
        "stripe_sync_failed", kind=kind, row_id=row_id, version=version, error=error, retry_in=delay
    )


async def sync_due_once(limit: int = 20, *, config: WorkerConfig | None = None) -> int:
    """Claim and deliver up to `limit` due intents: deleted products' tombstones first (so an
    archive never follows the sync of a product that reuses the id), then products, then
    coupons. Returns how many were tried."""
    config = config or WorkerConfig()
    tombstones, deadline = await claim_tombstones(limit, config.owner, config.lease_seconds)
    for tombstone_id in tombstones:
        await deliver_tombstone(
            tombstone_id, config.owner, deadline, config.backoff_base, config.backoff_cap
        )
    tried = len(tombstones)
    kinds: tuple[Kind, ...] = ("product", "coupon")
    for kind in kinds:
        if tried >= limit:
            break
        claimed, deadline = await claim(kind, limit - tried, config)
        for row_id in claimed:
            await deliver(kind, row_id, config, deadline)
            tried += 1
    return tried


async def run_worker(
    stop: asyncio.Event,
    *,
    poll_interval: float = 1.0,
    concurrency: int = 1,
    config: WorkerConfig | None = None,
) -> None:
    """Deliver due rows until `stop` is set; `concurrency` loops share this process."""
    base = config or WorkerConfig()

    async def loop(index: int) -> None:
        own = WorkerConfig(
            base.lease_seconds,
            base.backoff_base,
            base.backoff_cap,
            base.batch,
            f"{base.owner}-{index}",
        )
        while not stop.is_set():
            try:
                tried = await sync_due_once(own.batch, config=own)
            except Exception:
                log.exception("stripe_sync_loop_error")
                tried = 0
            if not tried:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=poll_interval)

    await asyncio.gather(*(loop(i) for i in range(max(1, concurrency))))
