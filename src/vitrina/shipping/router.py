"""Shipping: the staff's zones and methods (`/api/v1/shipping/...`), and the options a
basket would be offered for a country."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from vitrina.accounts.dependencies import StaffUser
from vitrina.db import SessionDep
from vitrina.errors import ERROR_RESPONSE
from vitrina.kit.bounds import PathId
from vitrina.shipping import service
from vitrina.shipping.schemas import MethodIn, MethodOut, MethodUpdate, ZoneIn, ZoneOut, ZoneUpdate

router = APIRouter(tags=["shipping"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: ERROR_RESPONSE for code in (401, 403, 404, 409, 422)
}


@router.get("/shipping/zones", response_model=list[ZoneOut], responses=ERRORS)
async def list_zones(session: SessionDep, _staff: StaffUser) -> list[ZoneOut]:
    return [ZoneOut.model_validate(z) for z in await service.list_zones(session)]


@router.post(
    "/shipping/zones",
    status_code=status.HTTP_201_CREATED,
    response_model=ZoneOut,
    responses=ERRORS,
)
async def create_zone(data: ZoneIn, session: SessionDep, _staff: StaffUser) -> ZoneOut:
    return ZoneOut.model_validate(await service.create_zone(session, data))


@router.get("/shipping/zones/{zone_id}", response_model=ZoneOut, responses=ERRORS)
async def read_zone(zone_id: PathId, session: SessionDep, _staff: StaffUser) -> ZoneOut:
    return ZoneOut.model_validate(await service.get_zone(session, zone_id))


@router.patch("/shipping/zones/{zone_id}", response_model=ZoneOut, responses=ERRORS)
async def update_zone(
    zone_id: PathId, data: ZoneUpdate, session: SessionDep, _staff: StaffUser
) -> ZoneOut:
    return ZoneOut.model_validate(await service.update_zone(session, zone_id, data))


@router.delete(
    "/shipping/zones/{zone_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS
)
async def delete_zone(zone_id: PathId, session: SessionDep, _staff: StaffUser) -> Response:
    await service.delete_zone(session, zone_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/shipping/zones/{zone_id}/methods",
    status_code=status.HTTP_201_CREATED,
    response_model=MethodOut,
    responses=ERRORS,
)
async def add_method(
    zone_id: PathId, data: MethodIn, session: SessionDep, _staff: StaffUser
) -> MethodOut:
    return MethodOut.model_validate(await service.add_method(session, zone_id, data))


@router.patch("/shipping/methods/{method_id}", response_model=MethodOut, responses=ERRORS)
async def update_method(
    method_id: PathId, data: MethodUpdate, session: SessionDep, _staff: StaffUser
) -> MethodOut:
    return MethodOut.model_validate(await service.update_method(session, method_id, data))


@router.delete(
    "/shipping/methods/{method_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS
)
async def delete_method(method_id: PathId, session: SessionDep, _staff: StaffUser) -> Response:
    await service.delete_method(session, method_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
