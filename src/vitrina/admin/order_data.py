"""What the order page and its forms show, read once per request through the services."""

from __future__ import annotations

from dataclasses import dataclass

from vitrina.accounts import service as accounts_service
from vitrina.admin.audit_hooks import admin_sessions
from vitrina.errors import NotFound
from vitrina.kit.bounds import MAX_INT
from vitrina.orders import refunds as orders_refunds
from vitrina.orders import service as orders_service
from vitrina.orders.models import Order, OrderStatus


@dataclass(frozen=True)
class OrderPage:
    """Everything the order page shows, read once."""

    order: Order
    money: orders_service.OrderMoney
    transitions: list[OrderStatus]
    refundable: int
    refunded_quantities: dict[int, int]
    actors: dict[int, str]
    customer_email: str | None


async def load_order_page(pk: str) -> OrderPage | None:
    if not pk.isdigit() or not 0 < int(pk) <= MAX_INT:
        return None
    async with admin_sessions()() as session:
        try:
            order = await orders_service.get_order(session, int(pk), history=True, refunds=True)
        except NotFound:
            return None
        actor_ids = {e.actor_id for e in order.events} | {r.actor_id for r in order.refunds}
        actors: dict[int, str] = {}
        for actor_id in sorted(i for i in actor_ids | {order.user_id} if i is not None):
            user = await accounts_service.get_user(session, actor_id)
            if user is not None:
                actors[actor_id] = user.email
    return OrderPage(
        order=order,
        money=orders_service.order_money(order),
        transitions=[s for s in OrderStatus if s in orders_service.allowed_transitions(order)],
        refundable=orders_refunds.refundable(order),
        refunded_quantities=orders_refunds.refunded_quantities(order),
        actors=actors,
        customer_email=actors.get(order.user_id),
    )
