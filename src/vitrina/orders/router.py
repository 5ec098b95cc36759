"""Orders: customers see their own; staff see all, move them along and refund them."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Header, Query

from vitrina.accounts.dependencies import CurrentUser, StaffUser
from vitrina.db import SessionDep
from vitrina.errors import ERROR_RESPONSE, Conflict
from vitrina.kit.bounds import NO_CONTROL_CHARACTERS, OffsetQuery, OptionalIdQuery, PathId
from vitrina.orders import refunds, review, service, staff
from vitrina.orders.models import OrderStatus, RefundStatus
from vitrina.orders.schemas import (
    OrderOut,
    OrderPage,
    RefundLineOut,
    RefundOut,
    RefundRequest,
    ReviewResolution,
    StaffOrderDetail,
    StaffOrderOut,
    StaffOrderPage,
    StatusChange,
)
from vitrina.payments import refunds as stripe_refunds

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
    order = await service.get_order(session, order_id, history=True, refunds=True)
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
    order = await service.get_order(session, order_id, history=True, refunds=True)
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
    order = await service.get_order(session, order_id, history=True, refunds=True)
    return StaffOrderDetail.model_validate(order)


@router.post(
    "/staff/orders/{order_id}/refunds",
    response_model=RefundOut,
    status_code=201,
    responses={
        400: ERROR_RESPONSE,
        403: ERROR_RESPONSE,
        404: ERROR_RESPONSE,
        409: ERROR_RESPONSE,
        503: ERROR_RESPONSE,
    },
)
async def refund_order(
    session: SessionDep,
    actor: StaffUser,
    order_id: PathId,
    request: RefundRequest,
    idempotency_key: str | None = Header(
        None, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$", description="Names this refund."
    ),
) -> RefundOut:
    """Refund lines and quantities and/or an amount (all that is left when neither is given);
    the same request again (same `Idempotency-Key`, or with none the same body before Stripe
    confirms) is the same refund. The order follows Stripe's `charge.refunded`."""
    ask = refunds.RefundAsk(
        lines=tuple(refunds.LineAsk(line.order_item_id, line.quantity) for line in request.lines),
        amount=request.amount or 0,
        reason=request.reason,
        note=request.note,
        restock=request.restock,
        token=f"key:{idempotency_key}" if idempotency_key else None,
    )
    outcome = await refunds.request_refund(session, order_id, ask, actor)
    refund = outcome.refund
    if refund.status is RefundStatus.FAILED or refund.stripe_refund_id is None:
        raise Conflict(refund.error or "Stripe did not accept this refund.")
    return RefundOut(
        order_id=refund.order_id,
        refund_id=refund.stripe_refund_id,
        amount=refund.amount,
        status=refund.status,
        idempotency_key=stripe_refunds.idempotency_key(refund.token),
        lines=[RefundLineOut.model_validate(line) for line in refund.lines],
        restocked=outcome.restocked,
    )
