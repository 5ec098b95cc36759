"""Orders: customers see their own; staff see all, move them along and refund them."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query

from vitrina.accounts.dependencies import CurrentUser, StaffUser
from vitrina.db import SessionDep
from vitrina.errors import ERROR_RESPONSE
from vitrina.kit.bounds import NO_CONTROL_CHARACTERS, OffsetQuery, OptionalIdQuery, PathId
from vitrina.orders import review, service, staff
from vitrina.orders.models import OrderStatus
from vitrina.orders.schemas import (
    OrderOut,
    OrderPage,
    RefundOut,
    RefundRequest,
    ReviewResolution,
    StaffOrderDetail,
    StaffOrderOut,
    StaffOrderPage,
    StatusChange,
)

router = APIRouter(tags=["orders"])

Limit = Query(20, ge=1, le=100)


@router.get("/orders", response_model=OrderPage)
async def my_orders(
    session: SessionDep, user: CurrentUser, limit: int = Limit, offset: OffsetQuery = 0
) -> OrderPage:
    rows, total = await service.list_orders(
        session, service.OrderFilters(user_id=user.id), limit=limit, offset=offset
    )
    return OrderPage(
        items=[OrderOut.model_validate(o) for o in rows], total=total, limit=limit, offset=offset
    )


@router.get("/orders/{order_id}", response_model=OrderOut, responses={404: ERROR_RESPONSE})
async def my_order(session: SessionDep, user: CurrentUser, order_id: PathId) -> OrderOut:
    return OrderOut.model_validate(await service.get_order(session, order_id, user=user))


@router.get("/staff/orders", response_model=StaffOrderPage, responses={403: ERROR_RESPONSE})
async def staff_orders(
    session: SessionDep,
    _staff: StaffUser,
    status: OrderStatus | None = None,
    created_from: datetime | None = Query(None, description="Inclusive, ISO 8601."),
    created_to: datetime | None = Query(None, description="Exclusive, ISO 8601."),
    customer_id: OptionalIdQuery = None,
    email: str | None = Query(None, max_length=320, pattern=NO_CONTROL_CHARACTERS),
    flagged: bool | None = None,
    limit: int = Limit,
    offset: OffsetQuery = 0,
) -> StaffOrderPage:
    filters = service.OrderFilters(
        user_id=customer_id,
        status=status,
        created_from=created_from,
        created_to=created_to,
        email=email,
        flagged=flagged,
    )
    rows, total = await service.list_orders(session, filters, limit=limit, offset=offset)
    return StaffOrderPage(
        items=[StaffOrderOut.model_validate(o) for o in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/staff/orders/{order_id}",
    response_model=StaffOrderDetail,
    responses={403: ERROR_RESPONSE, 404: ERROR_RESPONSE},
)
async def staff_order(session: SessionDep, _staff: StaffUser, order_id: PathId) -> StaffOrderDetail:
    order = await service.get_order(session, order_id, history=True)
    return StaffOrderDetail.model_validate(order)


@router.post(
    "/staff/orders/{order_id}/status",
    response_model=StaffOrderDetail,
    responses={403: ERROR_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE},
)
async def change_order_status(
    session: SessionDep, actor: StaffUser, order_id: PathId, change: StatusChange
) -> StaffOrderDetail:
    """processing -> shipped -> delivered; cancel before shipping (stock back, paid: refund)."""
    await staff.change_status(session, order_id, change.status, actor, change.note)
    order = await service.get_order(session, order_id, history=True)
    return StaffOrderDetail.model_validate(order)


@router.post(
    "/staff/orders/{order_id}/review",
    response_model=StaffOrderDetail,
    responses={403: ERROR_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE},
)
async def resolve_order_review(
    session: SessionDep, actor: StaffUser, order_id: PathId, resolution: ReviewResolution
) -> StaffOrderDetail:
    """Clear the review flag; the reason, the note and the staff member stay in the history."""
    await review.resolve_review(session, order_id, actor, resolution.note)
    order = await service.get_order(session, order_id, history=True)
    return StaffOrderDetail.model_validate(order)


@router.post(
    "/staff/orders/{order_id}/refunds",
    response_model=RefundOut,
    status_code=201,
    responses={403: ERROR_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE, 503: ERROR_RESPONSE},
)
async def refund_order(
    session: SessionDep, actor: StaffUser, order_id: PathId, request: RefundRequest
) -> RefundOut:
    """Refund all that is left, or `amount`; the order follows Stripe's `charge.refunded`."""
    result = await staff.request_refund(session, order_id, request.amount, actor)
    return RefundOut(
        order_id=result.order_id,
        refund_id=result.refund_id,
        amount=result.amount,
        status=result.status,
        idempotency_key=result.idempotency_key,
    )
