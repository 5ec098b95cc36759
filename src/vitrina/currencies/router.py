"""`/api/v1/currencies`: what shoppers may pick (anyone), the rate table (staff), and prices
set by hand per variant and currency (staff)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from vitrina.accounts.dependencies import StaffUser
from vitrina.config import SettingsDep
from vitrina.currencies import service
from vitrina.currencies.schemas import (
    CurrenciesOut,
    CurrencyIn,
    CurrencyOut,
    VariantPriceIn,
    VariantPriceOut,
)
from vitrina.db import SessionDep
from vitrina.errors import ERROR_RESPONSE
from vitrina.kit.bounds import PathId

router = APIRouter(tags=["currencies"])
ERRORS: dict[int | str, dict[str, Any]] = {code: ERROR_RESPONSE for code in (401, 403, 404, 422)}
Code = Annotated[str, Path(pattern="^[A-Za-z]{3}$")]


@router.get("/currencies", response_model=CurrenciesOut, responses=ERRORS)
async def list_currencies(session: SessionDep, settings: SettingsDep) -> CurrenciesOut:
    """The store's default currency, those a shopper may pick, and the rate table."""
    rows = await service.table(session)
    return CurrenciesOut(
        default=settings.store_currency,
        enabled=await service.enabled_codes(session, settings),
        table=[CurrencyOut.model_validate(row) for row in rows],
    )


@router.put("/currencies/{code}", response_model=CurrencyOut, responses=ERRORS)
async def put_currency(
    code: Code, data: CurrencyIn, session: SessionDep, settings: SettingsDep, _staff: StaffUser
) -> CurrencyOut:
    """Add a currency to the table or change its rate (units per unit of the default
    currency), rounding rule, order and whether shoppers may pick it."""
    return CurrencyOut.model_validate(await service.put_currency(session, settings, code, data))


@router.delete("/currencies/{code}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
async def delete_currency(code: Code, session: SessionDep, _staff: StaffUser) -> Response:
    await service.delete_currency(session, code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/variants/{variant_id}/prices/{code}", response_model=VariantPriceOut, responses=ERRORS
)
async def put_variant_price(
    variant_id: PathId,
    code: Code,
    data: VariantPriceIn,
    session: SessionDep,
    settings: SettingsDep,
    _staff: StaffUser,
) -> VariantPriceOut:
    """A variant's price in a currency of the table, set by hand: it wins over the derived
    one (minor units of that currency)."""
    row = await service.put_variant_price(session, settings, variant_id, code, data)
    return VariantPriceOut.model_validate(row)


@router.delete(
    "/variants/{variant_id}/prices/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ERRORS,
)
async def delete_variant_price(
    variant_id: PathId, code: Code, session: SessionDep, _staff: StaffUser
) -> Response:
    await service.delete_variant_price(session, variant_id, code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
