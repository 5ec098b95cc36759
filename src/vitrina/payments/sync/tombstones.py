"""Deleted products: the tombstone carries the intent "archive it in Stripe" past the delete.

`record_product_delete` is called by the product delete service, in its transaction, while
the row is locked. A tombstone is written only when Stripe may hold the product: the row
knows its `stripe_id`, or a delivery of it was ever attempted (a lease row exists, even
expired: a lost response or a killed worker may have created the product unrecorded).

The worker claims due tombstones like rows (`FOR UPDATE SKIP LOCKED` + a lease of kind
`tombstone`), but only once no live lease on the product itself remains, so a delivery that
was in flight at the delete has finished (or can make no more calls) before the archive.
"""

from __future__ import annotations

import time
from datetime import timedelta

import stripe
import structlog
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import Product
from vitrina.db import db_helper
from vitrina.kit.clock import utcnow
from vitrina.payments.client import make_stripe_client
from vitrina.payments.sync.ids import product_stripe_id, tombstone_key
from vitrina.payments.sync.leases import backoff, call_budget, live_lease, release, take_lease
from vitrina.payments.sync.models import StripeTombstone, SyncLease
from vitrina.payments.sync.stripe_io import Delivery, LeaseExpired, describe, is_missing

log = structlog.get_logger(__name__)

PRODUCT = "product"


async def record_product_delete(session: AsyncSession, product: Product) -> StripeTombstone | None:
    """Add the tombstone for `product` (about to be deleted) if Stripe may hold it."""
    attempted = await session.scalar(
        select(SyncLease.row_id).where(SyncLease.kind == PRODUCT, SyncLease.row_id == product.id)
    )
    if product.stripe_id is None and product.synced_version == 0 and attempted is None:
        return None
    tombstone = StripeTombstone(
        kind=PRODUCT,
        local_id=product.id,
        stripe_id=product.stripe_id or product_stripe_id(product.id),
        stripe_price_id=product.stripe_price_id,
        attempts=0,
    )
    session.add(tombstone)
    return tombstone


def _due() -> list[object]:
    now = utcnow()
    return [
        StripeTombstone.done_at.is_(None),
        or_(StripeTombstone.next_attempt_at.is_(None), StripeTombstone.next_attempt_at <= now),
    ]


async def claim_tombstones(limit: int, owner: str, lease_seconds: float) -> tuple[list[int], float]:
    """Lease up to `limit` due tombstones whose product no worker is delivering; commit.

    Returns the ids and the monotonic time by which calls for them must have stopped.
    """
    deadline = time.monotonic() + lease_seconds
    async with db_helper.session_factory() as session:
        query = (
            select(StripeTombstone.id)
            .where(
                *_due(),  # type: ignore[arg-type]
                ~live_lease("tombstone", StripeTombstone.id),
                ~live_lease("product", StripeTombstone.local_id),
            )
            .order_by(StripeTombstone.id)
            .limit(limit)
        )
        if db_helper.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=StripeTombstone)
        ids = list(await session.scalars(query))
        claimed = [
            i for i in ids if await take_lease(session, "tombstone", i, owner, lease_seconds)
        ]
        await session.commit()
    return claimed, deadline


async def deliver_tombstone(
    tombstone_id: int, owner: str, deadline: float, backoff_base: float, backoff_cap: float
) -> bool:
    """Archive the tombstone's Stripe product (and its other prices); True once done."""
    async with db_helper.session_factory() as session:
        tombstone = await session.get(StripeTombstone, tombstone_id)
        reused = tombstone is not None and (
            await session.get(Product, tombstone.local_id) is not None
        )
        if tombstone is None or tombstone.done_at is not None or reused:
            # A product with that id exists again (SQLite may reuse ids): its own sync owns
            # the Stripe object now, and would be undone by an archive.
            if tombstone is not None and tombstone.done_at is None:
                tombstone.done_at = utcnow()
            await release(session, "tombstone", tombstone_id, owner)
            await session.commit()
            return False
        stripe_id, attempts = tombstone.stripe_id, tombstone.attempts
        await session.rollback()
    delivery = Delivery(
        make_stripe_client(),
        tombstone_key(tombstone_id, attempts),
        deadline=deadline,
        call_budget=call_budget(),
    )
    try:
        await archive_product(delivery, stripe_id)
    except LeaseExpired:
        log.warning("stripe_tombstone_lease_expired", tombstone_id=tombstone_id)
        return False
    except Exception as error:
        if not isinstance(error, stripe.StripeError):
            log.exception("stripe_tombstone_crashed", tombstone_id=tombstone_id)
        delay = backoff(attempts + 1, backoff_base, backoff_cap)
        await _record(
            tombstone_id,
            owner,
            attempts=attempts + 1,
            last_error=describe(error),
            next_attempt_at=utcnow() + timedelta(seconds=delay),
        )
        log.warning("stripe_tombstone_failed", tombstone_id=tombstone_id, retry_in=delay)
        return False
    await _record(tombstone_id, owner, done_at=utcnow(), last_error=None, next_attempt_at=None)
    log.info("stripe_tombstone_done", tombstone_id=tombstone_id, stripe_id=stripe_id)
    return True


async def _record(tombstone_id: int, owner: str, **values: object) -> None:
    async with db_helper.session_factory() as session:
        await session.execute(
            update(StripeTombstone).where(StripeTombstone.id == tombstone_id).values(**values)
        )
        await release(session, "tombstone", tombstone_id, owner)
        await session.commit()


async def archive_product(delivery: Delivery, stripe_id: str) -> None:
    """Stop the product being sold: `active=false`, and archive its prices but the default
    one (Stripe refuses to archive a product's default price; an archived product's prices
    cannot be bought anyway). A product Stripe does not have is already as good as archived.
    """
    v1 = delivery.client.v1
    try:
        product = await v1.products.update_async(
            stripe_id, {"active": False}, delivery.options("archive")
        )
    except stripe.InvalidRequestError as error:
        if is_missing(error):
            return
        raise
    default = product.default_price
    default_id = default if isinstance(default, str) else getattr(default, "id", None)
    delivery.guard()
    prices = await v1.prices.list_async({"product": stripe_id, "active": True, "limit": 100})
    for price in prices.data:
        if price.id != default_id:
            await v1.prices.update_async(
                price.id, {"active": False}, delivery.options(f"archive-{price.id}")
            )
