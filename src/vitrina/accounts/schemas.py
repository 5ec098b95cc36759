"""Request and response bodies of the accounts API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationInfo, field_validator

from vitrina.accounts.models import Role
from vitrina.accounts.passwords import password_weakness
from vitrina.accounts.security import text_problem

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
