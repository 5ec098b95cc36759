"""Staff API shapes for tax rates."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from vitrina.taxes.models import TaxClass

Country = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")
]
Region = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, max_length=50)]
Percentage = Annotated[Decimal, Field(ge=0, lt=100, max_digits=7, decimal_places=4)]
DisplayName = Annotated[str, Field(min_length=1, max_length=50)]


class TaxRateIn(BaseModel):
    country: Country
    region: Region | None = Field(default=None, description="A state or province code.")
    tax_class: TaxClass = TaxClass.STANDARD
    percentage: Percentage
    display_name: DisplayName = "VAT"
    is_active: bool = True


class TaxRateUpdate(BaseModel):
    region: Region | None = None
    tax_class: TaxClass | None = None
    percentage: Percentage | None = None
    display_name: DisplayName | None = None
    is_active: bool | None = None


class TaxRateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    country: str
    region: str | None
    tax_class: TaxClass
    percentage: Decimal
    display_name: str
    is_active: bool
    stripe_id: str | None
