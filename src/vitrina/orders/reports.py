"""Figures for the shop owner's dashboard: sales per day, orders by status, best sellers,
products running out. Read-only. Money is summed in one currency at a time (orders keep the
currency they were paid in; roubles are never added to euros): the caller names it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import desc, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.catalog.models import Product
from vitrina.kit.clock import utcnow
from vitrina.orders.models import Order, OrderItem, OrderStatus
from vitrina.orders.service import SETTLED

SOLD = SETTLED | {OrderStatus.REFUNDED}
"""Orders whose payment Stripe confirmed (refunded ones count with their refunds off)."""


@dataclass(frozen=True)
class DaySales:
    day: date
    orders: int
    net: int
    """Charged less refunded."""


@dataclass(frozen=True)
class TopProduct:
    product_id: int | None
    name: str
    quantity: int
    revenue: int


@dataclass(frozen=True)
class LowStock:
    product_id: int
    name: str
    stock: int


async def sales_per_day(
    session: AsyncSession, timezone: str, currency: str, days: int = 30
) -> list[DaySales]:
    """Each of the last `days` days in the store's timezone (today last), zero days too:
    the orders paid in `currency`."""
    zone = ZoneInfo(timezone)
    today = utcnow().astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    rows = await session.execute(
        select(Order.paid_at, Order.amount_charged, Order.amount_refunded).where(
            Order.paid_at >= start, Order.status.in_(SOLD), Order.currency == currency
        )
    )
    totals: dict[date, tuple[int, int]] = {}
    for paid_at, charged, refunded in rows.all():
        if paid_at is None:
            continue
        day = paid_at.astimezone(zone).date()
        count, net = totals.get(day, (0, 0))
        totals[day] = (count + 1, net + charged - refunded)
    return [
        DaySales(day, *totals.get(day, (0, 0)))
        for day in (first + timedelta(days=n) for n in range(days))
    ]


async def orders_by_status(session: AsyncSession) -> dict[OrderStatus, int]:
    rows = await session.execute(select(Order.status, func.count()).group_by(Order.status))
    counts = dict.fromkeys(OrderStatus, 0)
    counts.update({status: int(n) for status, n in rows.all()})
    return counts


async def top_products(
    session: AsyncSession, currency: str, days: int = 30, limit: int = 5
) -> list[TopProduct]:
    """Best sellers among the orders paid in `currency` (their revenue in it)."""
    quantity, revenue = func.sum(OrderItem.quantity), func.sum(OrderItem.line_total)
    rows = await session.execute(
        select(OrderItem.product_id, func.max(OrderItem.name), quantity, revenue)
        .join(Order, Order.id == OrderItem.order_id)
        .where(
            Order.status.in_(SOLD),
            Order.currency == currency,
            Order.created_at >= utcnow() - timedelta(days=days),
        )
        .group_by(OrderItem.product_id)
        .order_by(desc(quantity), OrderItem.product_id)
        .limit(limit)
    )
    return [TopProduct(pid, name, int(qty), int(revenue)) for pid, name, qty, revenue in rows.all()]


async def low_stock(session: AsyncSession, threshold: int, limit: int = 10) -> list[LowStock]:
    """Products on sale with `threshold` or fewer left, the emptiest first."""
    rows = await session.execute(
        select(Product.id, Product.name, Product.stock)
        .where(Product.is_active.is_(True), Product.stock <= threshold)
        .order_by(Product.stock, Product.id)
        .limit(limit)
    )
    return [LowStock(pid, name, stock) for pid, name, stock in rows.all()]
