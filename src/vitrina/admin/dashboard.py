"""The admin's landing page: what needs attention now, and how the shop is doing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from babel.dates import format_date
from starlette.requests import Request

from vitrina.admin.audit_hooks import admin_sessions
from vitrina.admin.charts import bar_chart
from vitrina.admin.i18n import gettext as _
from vitrina.admin.i18n import language, money
from vitrina.admin.labels import STATUS_LABELS
from vitrina.config import get_settings
from vitrina.orders import reports
from vitrina.orders import service as orders_service
from vitrina.orders.models import OrderStatus
from vitrina.payments.sync import status as sync_status


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    count: int
    url: str


async def _count(session: Any, filters: orders_service.OrderFilters) -> int:
    _rows, total = await orders_service.list_orders(session, filters, limit=1, offset=0)
    return total


async def dashboard_context(request: Request) -> dict[str, Any]:
    settings = get_settings()
    orders_url = str(request.url_for("admin:list", identity="order"))
    async with admin_sessions()() as session:
        cards = [
            Card(
                "to-process",
                _("Paid orders to process"),
                await _count(session, orders_service.OrderFilters(status=OrderStatus.PAID)),
                f"{orders_url}?status={OrderStatus.PAID.value}",
            ),
            Card(
                "review",
                _("Orders needing review"),
                await _count(session, orders_service.OrderFilters(flagged=True)),
                f"{orders_url}?needs_review=1",
            ),
            Card(
                "processing",
                _("Orders being processed"),
                await _count(session, orders_service.OrderFilters(status=OrderStatus.PROCESSING)),
                f"{orders_url}?status={OrderStatus.PROCESSING.value}",
            ),
        ]
        currency = settings.store_currency  # the charts sum this currency's orders only
        days = await reports.sales_per_day(session, settings.store_timezone, currency)
        statuses = await reports.orders_by_status(session)
        top = await reports.top_products(session, currency)
        low = await reports.low_stock(session, settings.low_stock_threshold)
        sync = await sync_status.summary(session, limit=0)
    lang = language()
    sales = bar_chart(
        _("Sales per day, last 30 days") + f" ({currency.upper()})",
        [(format_date(d.day, "d MMM", locale=lang), d.net, money(d.net)) for d in days],
        label_every=5,
    )
    by_status = bar_chart(
        _("Orders by status"),
        [(_(STATUS_LABELS[s]), n, str(n)) for s, n in statuses.items()],
        width=480,
    )
    return {
        "cards": cards,
        "sales": sales,
        "sales_total": money(sum(d.net for d in days)),
        "by_status": by_status,
        "top": top,
        "low": low,
        "low_threshold": settings.low_stock_threshold,
        "sync": sync,
        "title": _("Dashboard"),
    }
