"""Orders in the admin: a list an owner filters, and an order page to work the order from.

The list's filters (status, dates, customer, amount, needs review) become the orders
service's `OrderFilters`; the order page shows lines, payment, refunds and history, and
offers only the transitions the order's state machine allows. Every change goes through the
orders services (`admin/order_pages.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select
from starlette.requests import Request

from vitrina.admin.base import ReadOnlyView
from vitrina.admin.i18n import gettext as _
from vitrina.admin.i18n import lazy, parse_amount
from vitrina.admin.labels import (
    EVENT_LABELS,
    REFUND_REASONS,
    REFUND_STATUS_LABELS,
    STATUS_LABELS,
    TRANSITION_LABELS,
)
from vitrina.admin.order_data import load_order_page
from vitrina.admin.order_pages import OrderPages
from vitrina.config import get_settings
from vitrina.kit.bounds import MAX_INT
from vitrina.orders import service as orders_service
from vitrina.orders.models import Order, OrderStatus

FILTER_KEYS = ("status", "from", "to", "customer", "min", "max", "needs_review")


@dataclass(frozen=True)
class OrderListFilters:
    """The list's query string, checked; `problems` says what was ignored and why."""

    values: dict[str, str]
    filters: orders_service.OrderFilters
    problems: list[str]


def _day(text: str, zone: ZoneInfo) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(text), time.min, tzinfo=zone)
    except ValueError:
        return None


def _printable(text: str) -> str:
    """Without control characters (a NUL cannot even be sent to PostgreSQL)."""
    return "".join(char for char in text if char.isprintable()).strip()


def read_filters(request: Request) -> OrderListFilters:
    params = request.query_params
    values = {key: _printable(params.get(key, ""))[:100] for key in FILTER_KEYS}
    settings = get_settings()
    zone = ZoneInfo(settings.store_timezone)
    problems: list[str] = []
    status = None
    if values["status"]:
        try:
            status = OrderStatus(values["status"])
        except ValueError:
            problems.append(_("Unknown status ignored."))
    start = _day(values["from"], zone) if values["from"] else None
    end_day = _day(values["to"], zone) if values["to"] else None
    if (values["from"] and start is None) or (values["to"] and end_day is None):
        problems.append(_("Dates are written as YYYY-MM-DD; a wrong date was ignored."))
    amounts: dict[str, int | None] = {"min": None, "max": None}
    for key in amounts:
        if values[key]:
            try:
                amounts[key] = min(parse_amount(values[key], settings.store_currency), MAX_INT)
            except ValueError:
                problems.append(_("Amounts are numbers such as 25 or 25.50; one was ignored."))
    flagged = True if values["needs_review"] in ("1", "true", "on") else None
    filters = orders_service.OrderFilters(
        status=status,
        created_from=start,
        created_to=end_day + timedelta(days=1) if end_day else None,
        customer=values["customer"] or None,
        total_min=amounts["min"],
        total_max=amounts["max"],
        flagged=flagged,
    )
    return OrderListFilters(values, filters, problems)


class OrderAdmin(OrderPages, ReadOnlyView, model=Order):
    name = lazy("Order")
    name_plural = lazy("Orders")
    icon = "fa-solid fa-receipt"
    list_template = "order_list.html"
    details_template = "order_details.html"
    column_list = (Order.id, Order.created_at, Order.email, Order.status, Order.total)
    column_sortable_list = (Order.id, Order.created_at, Order.total)
    column_default_sort = (Order.id, True)
    page_size = 25

    def list_query(self, request: Request) -> Select[Any]:
        return orders_service.filtered_orders(read_filters(request).filters)

    async def list_context(self, request: Request) -> dict[str, Any]:
        found = read_filters(request)
        return {
            "filters": found.values,
            "filter_problems": found.problems,
            "statuses": [(s.value, _(STATUS_LABELS[s])) for s in OrderStatus],
            "status_labels": {s: _(label) for s, label in STATUS_LABELS.items()},
            "title": _("Orders"),
        }

    async def get_object_for_details(self, request: Request) -> Any:
        page = await load_order_page(str(request.path_params.get("pk", "")))
        request.state.order_page = page
        return page.order if page is not None else None

    async def details_context(self, request: Request) -> dict[str, Any]:
        return {
            "page": request.state.order_page,
            "status_labels": {s: _(label) for s, label in STATUS_LABELS.items()},
            "transition_labels": {s: _(label) for s, label in TRANSITION_LABELS.items()},
            "event_labels": {k: _(label) for k, label in EVENT_LABELS.items()},
            "refund_status_labels": {s: _(label) for s, label in REFUND_STATUS_LABELS.items()},
            "refund_reasons": {k: _(label) for k, label in REFUND_REASONS.items()},
        }
