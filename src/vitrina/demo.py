"""What `vitrina demo` prepares before serving: demo accounts, a demo catalog and a coupon."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from rich.console import Console
from rich.table import Table

from vitrina.accounts.service import ensure_demo_accounts
from vitrina.catalog.demo import generate_demo_catalog
from vitrina.config import Settings
from vitrina.coupons import service as coupons
from vitrina.coupons.schemas import CouponCreate
from vitrina.db import DataBaseHelper
from vitrina.kit.clock import utcnow

DEMO_COUPON = "WELCOME10"


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
