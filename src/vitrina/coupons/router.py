"""Staff API for discount coupons: `/api/v1/coupons`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from vitrina.accounts.dependencies import StaffUser
from vitrina.coupons import service
from vitrina.coupons.schemas import CouponCreate, CouponPage, CouponRead, CouponUpdate
from vitrina.db import SessionDep
from vitrina.errors import ERROR_RESPONSE
from vitrina.kit.bounds import PathId

router = APIRouter(tags=["coupons"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: ERROR_RESPONSE for code in (401, 403, 404, 409, 422)
}


@router.post(
    "/coupons", status_code=status.HTTP_201_CREATED, response_model=CouponRead, responses=ERRORS
)
async def create_coupon(data: CouponCreate, session: SessionDep, _staff: StaffUser) -> CouponRead:
    coupon = await service.create_coupon(session, data)
    return service.to_read(coupon)


@router.get("/coupons", response_model=CouponPage, responses=ERRORS)
async def list_coupons(
    session: SessionDep,
    _staff: StaffUser,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    include_deleted: bool = False,
) -> CouponPage:
    rows, total = await service.list_coupons(
        session, limit=limit, offset=offset, include_deleted=include_deleted
    )
    return CouponPage(
        items=[service.to_read(c) for c in rows], total=total, limit=limit, offset=offset
    )


@router.get("/coupons/{coupon_id}", response_model=CouponRead, responses=ERRORS)
async def read_coupon(coupon_id: PathId, session: SessionDep, _staff: StaffUser) -> CouponRead:
    coupon = await service.get_coupon(session, coupon_id, include_deleted=True)
    return service.to_read(coupon)


@router.patch("/coupons/{coupon_id}", response_model=CouponRead, responses=ERRORS)
async def update_coupon(
    coupon_id: PathId, data: CouponUpdate, session: SessionDep, _staff: StaffUser
) -> CouponRead:
    coupon = await service.update_coupon(session, coupon_id, data)
    return service.to_read(coupon)


@router.delete("/coupons/{coupon_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
async def delete_coupon(coupon_id: PathId, session: SessionDep, _staff: StaffUser) -> Response:
    await service.delete_coupon(session, coupon_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
