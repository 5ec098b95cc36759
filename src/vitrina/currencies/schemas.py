"""What the staff send and read about currencies, and the `?currency=` query parameter."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, field_serializer

from vitrina.currencies.conversion import Rounding

CurrencyQuery = Annotated[
    str | None,
    Query(
        min_length=3,
        max_length=3,
        pattern="^[A-Za-z]{3}$",
        description="The currency to show and charge in (ISO 4217, e.g. EUR); one the store "
        "has enabled, else 422. Default: the store's.",
    ),
]


class CurrencyIn(BaseModel):
    rate: Annotated[Decimal, Field(gt=0, lt=Decimal("1e10"), max_digits=18, decimal_places=8)]
    """Units of this currency per unit of the store's default currency."""
    rounding: Rounding = Rounding.NONE
    is_enabled: bool = True
    position: Annotated[int, Field(ge=0, le=1000)] = 0


class CurrencyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    rate: Decimal
    rounding: Rounding
    is_enabled: bool
    position: int

    @field_serializer("rate")
    def _plain(self, rate: Decimal) -> str:
        return f"{rate.normalize():f}"


class CurrenciesOut(BaseModel):
    default: str
    enabled: list[str]
    """What shoppers may pick (`?currency=`), the default first."""
    table: list[CurrencyOut]


class VariantPriceIn(BaseModel):
    amount: Annotated[int, Field(ge=0, le=99_999_999)]
    """Minor units of the currency."""


class VariantPriceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    variant_id: int
    currency: str
    amount: int


class CurrencyRowIn(BaseModel):
    """One row of the table as the admin's form edits it (the code with the rest)."""

    code: Annotated[str, Field(min_length=3, max_length=3, pattern="^[A-Za-z]{3}$")]
    rate: Annotated[Decimal, Field(gt=0, lt=Decimal("1e10"), max_digits=18, decimal_places=8)]
    rounding: Rounding = Rounding.NONE
    is_enabled: bool = True
    position: Annotated[int, Field(ge=0, le=1000)] = 0

    def values(self) -> CurrencyIn:
        return CurrencyIn(**self.model_dump(exclude={"code"}))
