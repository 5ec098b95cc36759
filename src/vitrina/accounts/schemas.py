"""Request and response bodies of the accounts API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationInfo, field_validator

from vitrina.accounts.models import Role
from vitrina.accounts.security import password_weakness

FullName = Annotated[str, Field(max_length=200)]
Locale = Annotated[str, Field(pattern=r"^[a-z]{2,3}([-_][A-Za-z]{2,4})?$", max_length=10)]
OpaqueToken = Annotated[str, Field(min_length=1, max_length=200)]
Password = Annotated[str, Field(max_length=200)]


def _strong(password: str, email: str | None = None) -> str:
    if (problem := password_weakness(password, email)) is not None:
        raise ValueError(problem)
    return password


class RegisterIn(BaseModel):
    email: EmailStr
    password: Password
    full_name: FullName = ""

    @field_validator("password")
    @classmethod
    def _password_is_strong(cls, value: str, info: ValidationInfo) -> str:
        return _strong(value, info.data.get("email"))


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


class RefreshIn(BaseModel):
    refresh_token: OpaqueToken


class ProfileUpdate(BaseModel):
    full_name: FullName | None = None
    locale: Locale | None = None


class PasswordChangeIn(BaseModel):
    current_password: Password
    new_password: Password

    @field_validator("new_password")
    @classmethod
    def _password_is_strong(cls, value: str) -> str:
        return _strong(value)


class PasswordResetIn(BaseModel):
    email: EmailStr


class PasswordResetConfirmIn(BaseModel):
    token: OpaqueToken
    new_password: Password

    @field_validator("new_password")
    @classmethod
    def _password_is_strong(cls, value: str) -> str:
        return _strong(value)


class AdminUserUpdate(BaseModel):
    role: Role | None = None
    is_active: bool | None = None
