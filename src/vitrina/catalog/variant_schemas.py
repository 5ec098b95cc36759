"""What the API takes and gives for a product's options and variants."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from vitrina.catalog.schemas import Id, MinorUnits, OptionOut, Position, Quantity, VariantOut

OptionText = Annotated[str, Field(min_length=1, max_length=100)]
OptionTextOrNone = Annotated[str, Field(max_length=100)] | None
Sku = Annotated[str, Field(max_length=100)]
Grams = Annotated[int, Field(strict=True, ge=0, le=2_000_000_000)]


class OptionValueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: OptionText = Field(description="In the store's language (M, red).")
    value_en: OptionTextOrNone = None
    value_ru: OptionTextOrNone = None


class OptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: OptionText = Field(description="In the store's language (Size, Colour).")
    name_en: OptionTextOrNone = None
    name_ru: OptionTextOrNone = None
    values: list[OptionValueIn] = Field(default=[], max_length=100)


class OptionUpdate(BaseModel):
    """PATCH an option's name: only the fields sent change (its slug follows `name`)."""

    model_config = ConfigDict(extra="forbid")

    name: OptionText | None = None
    name_en: OptionTextOrNone = None
    name_ru: OptionTextOrNone = None


class OptionValueUpdate(BaseModel):
    """PATCH a value: rename it (its slug follows `value`) or move it to `position`
    (0 is first) among its option's values."""

    model_config = ConfigDict(extra="forbid")

    value: OptionText | None = None
    value_en: OptionTextOrNone = None
    value_ru: OptionTextOrNone = None
    position: Position | None = None


class VariantIn(BaseModel):
    """A new variant: one value of each of the product's options (by id)."""

    model_config = ConfigDict(extra="forbid")

    values: list[Id] = Field(default=[], max_length=10)
    sku: Sku | None = None
    price: MinorUnits
    compare_at_price: MinorUnits | None = None
    stock: Quantity = 0
    weight_grams: Grams | None = None
    is_active: bool = True
    position: Position = 0
    image_id: Id | None = None


class GenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    price: MinorUnits | None = None
    stock: Quantity = 0


class VariantUpdate(BaseModel):
    """PATCH: only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    sku: Sku | None = None
    price: MinorUnits | None = None
    compare_at_price: MinorUnits | None = None
    stock: Quantity | None = None
    weight_grams: Grams | None = None
    is_active: bool | None = None
    position: Position | None = None
    image_id: Id | None = None


class VariantChange(VariantUpdate):
    id: Id


class VariantsChange(BaseModel):
    """Several variants of one product changed at once (prices, stock, ...): all or none."""

    model_config = ConfigDict(extra="forbid")

    variants: list[VariantChange] = Field(min_length=1, max_length=100)


class VariantsOut(BaseModel):
    product_id: int
    currency: str
    options: list[OptionOut]
    variants: list[VariantOut]
