"""What the coupons API accepts and shows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from vitrina.kit.clock import from_unix, utcnow
from vitrina.kit.stripe_sync import SyncState

CODE_PATTERN = r"^[A-Za-z0-9-]{1,64}$"


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


class CouponCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: Number
    discount: Percent
    end_at: EndAt
    is_active: bool = True
    max_redemptions: Limit | None = None
    max_redemptions_per_customer: Limit | None = None

    _check_end_at = field_validator("end_at")(_future)


class CouponUpdate(BaseModel):
    """Only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    number: Number | None = None
    discount: Percent | None = None
    end_at: EndAt | None = None
    is_active: bool | None = None
    max_redemptions: Limit | None = None
    max_redemptions_per_customer: Limit | None = None

    _check_end_at = field_validator("end_at")(_future)

    @field_validator("number", "discount", "end_at", "is_active")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may not be null")
        return value


class CouponRead(BaseModel):
    id: int
    number: str
    discount: Decimal
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
