"""Staff API for tax rates: `/api/v1/tax-rates`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from vitrina.accounts.dependencies import StaffUser
from vitrina.db import SessionDep
from vitrina.errors import ERROR_RESPONSE
from vitrina.kit.bounds import PathId
from vitrina.taxes import service
from vitrina.taxes.schemas import TaxRateIn, TaxRateOut, TaxRateUpdate

router = APIRouter(tags=["taxes"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: ERROR_RESPONSE for code in (401, 403, 404, 409, 422)
}


@router.get("/tax-rates", response_model=list[TaxRateOut], responses=ERRORS)
async def list_rates(
    session: SessionDep,
    _staff: StaffUser,
    country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
) -> list[TaxRateOut]:
    return [TaxRateOut.model_validate(r) for r in await service.list_rates(session, country)]


@router.post(
    "/tax-rates", status_code=status.HTTP_201_CREATED, response_model=TaxRateOut, responses=ERRORS
)
async def create_rate(data: TaxRateIn, session: SessionDep, _staff: StaffUser) -> TaxRateOut:
    return TaxRateOut.model_validate(await service.create_rate(session, data))


@router.get("/tax-rates/{rate_id}", response_model=TaxRateOut, responses=ERRORS)
async def read_rate(rate_id: PathId, session: SessionDep, _staff: StaffUser) -> TaxRateOut:
    return TaxRateOut.model_validate(await service.get_rate(session, rate_id))


@router.patch("/tax-rates/{rate_id}", response_model=TaxRateOut, responses=ERRORS)
async def update_rate(
    rate_id: PathId, data: TaxRateUpdate, session: SessionDep, _staff: StaffUser
) -> TaxRateOut:
    return TaxRateOut.model_validate(await service.update_rate(session, rate_id, data))


@router.delete("/tax-rates/{rate_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
async def delete_rate(rate_id: PathId, session: SessionDep, _staff: StaffUser) -> Response:
    await service.delete_rate(session, rate_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
