"""What the coupons API accepts and shows."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from vitrina.kit.clock import from_unix, utcnow
from vitrina.kit.stripe_sync import SyncState

CODE_PATTERN = r"^[A-Za-z0-9-]{1,64}$"
CURRENCY_CODE = re.compile(r"[a-z]{3}")


def _end_at(value: Any) -> Any:
    """UNIX time (as the seed writes it) or an ISO-8601 string that carries an offset."""
    if isinstance(value, bool):
        raise ValueError("end_at must be UNIX time or an ISO-8601 date-time with an offset")
    if isinstance(value, int | float):
        try:
            return from_unix(value)
        except (OverflowError, OSError, ValueError) as exc:
            raise ValueError("end_at is not a valid UNIX time") from exc
    return value


Number = Annotated[
    str,
    Field(
        pattern=CODE_PATTERN,
        description="The code customers type: letters, digits and dashes, 1 to 64 characters.",
        examples=["COUPON"],
    ),
]
Percent = Annotated[
    Decimal,
    Field(gt=0, le=100, max_digits=5, decimal_places=2, description="Percent off, 0 < x <= 100."),
]
MAXIMUM_AMOUNT = 99_999_999
"""Stripe's ceiling on an amount (eight digits of minor units)."""
AmountOff = Annotated[
    int,
    Field(
        gt=0,
        le=MAXIMUM_AMOUNT,
        strict=True,
        description="Amount off in minor units (cents; yen; fils in tens), a positive integer.",
        examples=[500],
    ),
]
Amounts = Annotated[
    dict[str, AmountOff],
    Field(
        max_length=50,
        description="Amount off set by hand per enabled currency (lower- or upper-case ISO "
        "code -> minor units); other currencies take `amount_off` converted at the rate.",
        examples=[{"eur": 450, "jpy": 700}],
    ),
]
Kind = Literal["percent", "amount"]
EndAt = Annotated[
    datetime,
    BeforeValidator(_end_at),
    Field(description="Expiry: UNIX time (e.g. 8043214523) or ISO-8601 with an offset."),
]
Limit = Annotated[int, Field(ge=1, le=1_000_000_000)]


def _future(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("end_at must include a timezone offset, e.g. 2030-01-31T23:59:00+03:00")
    if value <= utcnow():
        raise ValueError("end_at must be in the future")
    return value


def _lower_keys(value: dict[str, int] | None) -> dict[str, int] | None:
    if value is None:
        return None
    lowered = {code.strip().lower(): amount for code, amount in value.items()}
    for code in lowered:
        if not CURRENCY_CODE.fullmatch(code):
            raise ValueError(f"{code[:10]!r} is not a currency code (three letters, e.g. EUR)")
    if len(lowered) != len(value):
        raise ValueError("a currency is named twice")
    return lowered


def _one_kind(kind: str | None, discount: Any, amount_off: Any, amounts: Any) -> None:
    if discount is not None and amount_off is not None:
        raise ValueError("a coupon is either percent-off (discount) or amount-off (amount_off)")
    mismatch = (kind == "percent" and amount_off is not None) or (
        kind == "amount" and discount is not None
    )
    if mismatch:
        raise ValueError(f"kind {kind!r} does not match the fields sent")
    if amounts and discount is not None:
        raise ValueError("amounts belong to amount-off coupons; a percent coupon has none")


class CouponCreate(BaseModel):
    """A percent-off (`discount`) or an amount-off (`amount_off`, minor units of the store's
    currency, with optional `amounts` per currency) coupon: exactly one of the two."""

    model_config = ConfigDict(extra="forbid")

    number: Number
    kind: Kind | None = Field(default=None, description="Optional; must match the fields.")
    discount: Percent | None = None
    amount_off: AmountOff | None = None
    amounts: Amounts | None = None
    end_at: EndAt
    is_active: bool = True
    max_redemptions: Limit | None = None
    max_redemptions_per_customer: Limit | None = None

    _check_end_at = field_validator("end_at")(_future)
    _check_amounts = field_validator("amounts")(_lower_keys)

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> Self:
        _one_kind(self.kind, self.discount, self.amount_off, self.amounts)
        if self.discount is None and self.amount_off is None:
            raise ValueError("send either discount (percent off) or amount_off (minor units)")
        if self.amounts and self.amount_off is None:
            raise ValueError("amounts need amount_off, the amount in the store's currency")
        return self


class CouponUpdate(BaseModel):
    """Only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    number: Number | None = None
    kind: Kind | None = None
    discount: Percent | None = Field(
        default=None, description="Makes (or keeps) the coupon percent-off."
    )
    amount_off: AmountOff | None = Field(
        default=None, description="Makes (or keeps) the coupon amount-off."
    )
    amounts: Amounts | None = Field(
        default=None, description="Replaces the amounts set by hand ({} clears them)."
    )
    end_at: EndAt | None = None
    is_active: bool | None = None
    max_redemptions: Limit | None = None
    max_redemptions_per_customer: Limit | None = None

    _check_end_at = field_validator("end_at")(_future)
    _check_amounts = field_validator("amounts")(_lower_keys)

    @field_validator("number", "kind", "discount", "amount_off", "amounts", "end_at", "is_active")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may not be null")
        return value

    @model_validator(mode="after")
    def _one_kind_at_most(self) -> Self:
        _one_kind(self.kind, self.discount, self.amount_off, self.amounts)
        return self


class CouponRead(BaseModel):
    id: int
    number: str
    kind: Kind
    discount: Decimal | None = Field(description="Percent off (null for amount-off).")
    amount_off: int | None = Field(description="Minor units of `currency` (null for percent).")
    currency: str | None = Field(description="The store's currency, for amount-off coupons.")
    amounts: dict[str, int] = Field(description="Amounts set by hand in other currencies.")
    end_at: datetime
    end_at_unix: int
    end_at_local: datetime = Field(description="end_at in the store's timezone.")
    is_active: bool
    max_redemptions: int | None
    max_redemptions_per_customer: int | None
    times_redeemed: int
    deleted_at: datetime | None
    created_at: datetime
    updated_at: datetime
    sync_state: SyncState
    sync_error: str | None
    sync_attempts: int
    synced_at: datetime | None
    stripe_id: str | None
    stripe_promotion_code_id: str | None


class CouponPage(BaseModel):
    items: list[CouponRead]
    total: int
    limit: int
    offset: int
