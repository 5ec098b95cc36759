"""The customer's account: their orders and each order's status."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from vitrina.db import SessionDep
from vitrina.orders import service as orders_service
from vitrina.storefront.deps import WebUser, require_user
from vitrina.storefront.templating import render

router = APIRouter()

PAGE_SIZE = 20


@router.get("/account")
async def account_page(
    request: Request, session: SessionDep, user: WebUser, page: int = 1
) -> Response:
    customer = require_user(request, user)
    page = max(1, min(page, 10_000))
    orders, total = await orders_service.list_orders(
        session,
        orders_service.OrderFilters(user_id=customer.id),
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    context = {"orders": orders, "page": page, "has_next": page * PAGE_SIZE < total}
    return render(request, "storefront/account.html", context)


@router.get("/account/orders/{order_id}")
async def order_page(
    request: Request, session: SessionDep, user: WebUser, order_id: int
) -> Response:
    customer = require_user(request, user)
    order = await orders_service.get_order(session, order_id, user=customer, history=True)
    history = orders_service.customer_history(order)
    context = {"order": order, "history": history, "money": orders_service.order_money(order)}
    return render(request, "storefront/order.html", context)
