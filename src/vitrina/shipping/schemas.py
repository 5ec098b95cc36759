"""Staff API shapes for shipping zones and methods (amounts in minor units)."""

from __future__ import annotations

from typing import Annotated, Self

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from vitrina.shipping.models import MethodKind

CountryCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$"),
]
CountryQuery = Annotated[
    str | None,
    Query(
        pattern=r"^[A-Za-z]{2}$",
        description="ISO 3166-1 alpha-2 code of the country to ship to; without it, the "
        "account's default address's, else the first shipping zone's.",
    ),
]
Amount = Annotated[int, Field(ge=0, le=99_999_999)]
Days = Annotated[int, Field(ge=0, le=365)]


class WeightTier(BaseModel):
    up_to_grams: int = Field(ge=1, le=10_000_000)
    amount: Amount


class ZoneIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    countries: list[CountryCode] = Field(min_length=1, max_length=300)
    position: int = Field(default=0, ge=0, le=10_000)
    is_active: bool = True


class ZoneUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    countries: list[CountryCode] | None = Field(default=None, min_length=1, max_length=300)
    position: int | None = Field(default=None, ge=0, le=10_000)
    is_active: bool | None = None


class MethodIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    kind: MethodKind = MethodKind.FLAT
    amount: Amount = 0
    weight_tiers: list[WeightTier] | None = Field(default=None, max_length=50)
    free_over: Amount | None = None
    min_days: Days | None = None
    max_days: Days | None = None
    position: int = Field(default=0, ge=0, le=10_000)
    is_active: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.kind is MethodKind.WEIGHT and not self.weight_tiers:
            raise ValueError("A weight method needs weight_tiers (up_to_grams and amount).")
        if self.kind is MethodKind.FREE_OVER and self.free_over is None:
            raise ValueError("A free_over method needs free_over, the order amount it starts at.")
        low, high = self.min_days, self.max_days
        if low is not None and high is not None and low > high:
            raise ValueError("min_days cannot be more than max_days.")
        return self


class MethodUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    kind: MethodKind | None = None
    amount: Amount | None = None
    weight_tiers: list[WeightTier] | None = Field(default=None, max_length=50)
    free_over: Amount | None = None
    min_days: Days | None = None
    max_days: Days | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)
    is_active: bool | None = None


class MethodOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    zone_id: int
    name: str
    kind: MethodKind
    amount: int
    weight_tiers: list[WeightTier] | None
    free_over: int | None
    min_days: int | None
    max_days: int | None
    position: int
    is_active: bool


class ZoneOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    countries: list[str]
    position: int
    is_active: bool
    methods: list[MethodOut]


class OptionOut(BaseModel):
    """A shipping option for the basket, as the shopper sees it before Checkout."""

    method_id: int | None
    name: str
    amount: int
    min_days: int | None
    max_days: int | None
