"""Request and response bodies of the accounts API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationInfo, field_validator

from vitrina.accounts.models import Role
from vitrina.accounts.passwords import password_weakness
from vitrina.accounts.security import text_problem
from vitrina.config import get_settings

FullName = Annotated[str, Field(max_length=200)]
Locale = Annotated[str, Field(pattern=r"^[a-z]{2,3}([-_][A-Za-z]{2,4})?$", max_length=10)]
OpaqueToken = Annotated[str, Field(min_length=1, max_length=200)]
Password = Annotated[str, Field(max_length=200)]


class Body(BaseModel):
    """A request body whose strings are all storable text."""

    @field_validator("*", mode="before")
    @classmethod
    def _storable_text(cls, value: object) -> object:
        if isinstance(value, str) and (problem := text_problem(value)) is not None:
            raise ValueError(problem)
        return value


def _strong(password: str, email: str | None = None, name: str = "") -> str:
    if (problem := password_weakness(password, email, [name])) is not None:
        raise ValueError(problem)
    return password


class RegisterIn(Body):
    email: EmailStr
    full_name: FullName = ""
    password: Password

    @field_validator("password")
    @classmethod
    def _password_is_strong(cls, value: str, info: ValidationInfo) -> str:
        return _strong(value, info.data.get("email"), info.data.get("full_name") or "")


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    full_name: str
    role: Role
    is_active: bool
    locale: str | None
    created_at: datetime


class UserPage(BaseModel):
    items: list[UserOut]
    total: int
    limit: int
    offset: int


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_token: str


class RefreshIn(Body):
    refresh_token: OpaqueToken


class ProfileUpdate(Body):
    full_name: FullName | None = None
    locale: Locale | None = None


class PasswordChangeIn(Body):
    current_password: Password
    new_password: Password

    @field_validator("new_password")
    @classmethod
    def _password_is_strong(cls, value: str) -> str:
        return _strong(value)


class PasswordResetIn(Body):
    email: EmailStr


class PasswordResetConfirmIn(Body):
    token: OpaqueToken
    new_password: Password

    @field_validator("new_password")
    @classmethod
    def _password_is_strong(cls, value: str) -> str:
        return _strong(value)


class AdminUserUpdate(Body):
    role: Role | None = None
    is_active: bool | None = None
    email: EmailStr | None = Field(
        default=None, description="A new email; the previous address is told of the change."
    )


Line = Annotated[str, Field(max_length=200)]


def shipping_countries() -> list[str]:
    """The ISO codes of the countries the store ships to (`SHIPPING_COUNTRIES`)."""
    codes = get_settings().shipping_countries.split(",")
    return [code.strip().upper() for code in codes if code.strip()]


class AddressIn(Body):
    """A shipping address as a customer enters it."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    line1: Annotated[str, Field(min_length=1, max_length=200)]
    line2: Line = ""
    city: Annotated[str, Field(min_length=1, max_length=100)]
    postal_code: Annotated[str, Field(min_length=1, max_length=20)]
    state: Annotated[str, Field(max_length=100)] = ""
    country: Annotated[str, Field(min_length=2, max_length=2)]
    phone: Annotated[str, Field(max_length=30, pattern=r"^[0-9+()\-. ]*$")] = ""

    @field_validator("*", mode="before")
    @classmethod
    def _trimmed(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("country")
    @classmethod
    def _shipped_to(cls, value: str) -> str:
        if value.upper() not in shipping_countries():
            raise ValueError("We do not ship to this country.")
        return value.upper()


class AddressOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    line1: str
    line2: str
    city: str
    postal_code: str
    state: str
    country: str
    phone: str
    is_default: bool
