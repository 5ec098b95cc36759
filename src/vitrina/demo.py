"""What demo mode prepares: demo accounts, a demo catalog and a coupon before serving, and
once serving, a store and a built-in Stripe that agree again after a restart."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from decimal import Decimal

import stripe
import structlog
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts.models import User
from vitrina.accounts.service import ensure_demo_accounts
from vitrina.catalog.demo import generate_demo_catalog
from vitrina.config import Settings
from vitrina.coupons import service as coupons
from vitrina.coupons.schemas import CouponCreate
from vitrina.currencies import service as currencies
from vitrina.db import DataBaseHelper, db_helper
from vitrina.kit.clock import utcnow
from vitrina.payments.client import make_stripe_client
from vitrina.payments.sync import leases
from vitrina.payments.sync.drift import find_drift, load_stripe, repair

DEMO_COUPON = "WELCOME10"
EMULATOR_WAIT_SECONDS = 30.0
log = structlog.get_logger(__name__)


async def resync_builtin_emulator(settings: Settings) -> int:
    """Re-mark for sync whatever the store believes synced but the built-in Stripe lacks
    (its state file was lost, or is older than the database), and retire what only Stripe
    has: the same repair as `vitrina stripe-sync --fix`; forget the Customers it lacks (the
    next checkout makes them again); take over the deliveries the previous run left leased.
    Runs as the app starts, so it first waits for the emulator (served by this very process)
    to answer. Returns rows re-marked."""
    client = make_stripe_client(settings)
    deadline = time.monotonic() + EMULATOR_WAIT_SECONDS
    while True:
        try:
            view = await load_stripe(client)
            break
        except stripe.APIConnectionError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)
    async with db_helper.session_factory() as session:
        await leases.expire_all(session)  # the previous run's, cut short by its stop
        drift = await find_drift(session, view)
        marked = await repair(session, client, drift) if drift else 0
        forgotten = await _forget_lost_customers(session, client)
        await session.commit()
    if drift or forgotten:
        log.warning(
            "demo_stripe_resynced",
            differences=len(drift),
            marked_for_sync=marked,
            customers_forgotten=forgotten,
        )
    return marked


async def _forget_lost_customers(session: AsyncSession, client: stripe.StripeClient) -> int:
    linked = list(await session.scalars(select(User).where(User.stripe_customer_id.is_not(None))))
    if not linked:
        return 0
    listed = await client.v1.customers.list_async({"limit": 100})
    known = {customer.id async for customer in listed.auto_paging_iter()}
    lost = [user for user in linked if user.stripe_customer_id not in known]
    for user in lost:
        user.stripe_customer_id = None
    return len(lost)


async def prepare_demo(settings: Settings, *, products: int) -> None:
    """Idempotent: a second run finds everything in place and only prints the accounts."""
    db = DataBaseHelper(settings.database_url)
    try:
        async with db.session_factory() as session:
            accounts = await ensure_demo_accounts(session)
            made = await generate_demo_catalog(session, products=products)
            if await coupons.find_coupon_by_code(session, DEMO_COUPON) is None:
                await coupons.create_coupon(
                    session,
                    CouponCreate(
                        number=DEMO_COUPON,
                        discount=Decimal(10),
                        end_at=utcnow() + timedelta(days=365),
                    ),
                )
            await currencies.ensure_demo_currencies(session, settings)
            await session.commit()
    finally:
        await db.dispose()
    table = Table(title="Demo accounts")
    for column in ("role", "email", "password"):
        table.add_column(column)
    for row in accounts:
        table.add_row(*row)
    console = Console(stderr=True)
    console.print(table)
    if made:
        console.print(f"Made a demo catalog of {made} products.")
    console.print(f"Coupon to try: {DEMO_COUPON} (10% off). Test card: 4242 4242 4242 4242.")
