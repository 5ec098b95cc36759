"""The admin's landing page: what needs a staff member's attention now."""

from __future__ import annotations

from dataclasses import dataclass

from sqladmin import Admin
from sqladmin.authentication import login_required
from starlette.requests import Request
from starlette.responses import Response

from vitrina.admin.audit_hooks import admin_sessions
from vitrina.orders import service as orders_service
from vitrina.orders.models import OrderStatus


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    count: int
    url: str


async def _orders(filters: orders_service.OrderFilters) -> int:
    async with admin_sessions()() as session:
        _rows, total = await orders_service.list_orders(session, filters, limit=1, offset=0)
    return total


class VitrinaAdmin(Admin):
    @login_required
    async def index(self, request: Request) -> Response:
        orders = str(request.url_for("admin:list", identity="order"))
        cards = [
            Card(
                "to-process",
                "Paid orders to process",
                await _orders(orders_service.OrderFilters(status=OrderStatus.PAID)),
                f"{orders}?status={OrderStatus.PAID.value}",
            ),
            Card(
                "review",
                "Orders needing review",
                await _orders(orders_service.OrderFilters(flagged=True)),
                f"{orders}?needs_review=true",
            ),
            Card(
                "processing",
                "Orders being processed",
                await _orders(orders_service.OrderFilters(status=OrderStatus.PROCESSING)),
                f"{orders}?status={OrderStatus.PROCESSING.value}",
            ),
        ]
        return await self.templates.TemplateResponse(request, "dashboard.html", {"cards": cards})
