"""One place for configuration: environment variables and an optional `.env` file."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Depends
from limits import parse as parse_limit
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vitrina.kit.languages import Language

PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "placeholder", "xxx"})
DEMO_JWT_SECRET = "demo-only-secret-never-use-in-production-0123456789"  # noqa: S105


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to change."""


class Settings(BaseSettings):
    """Vitrina's settings. Every field can be set by the upper-case environment variable."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    demo: bool = Field(default=False, description="Demo mode: self-migrates, demo secrets.")
    database_url: str = "sqlite+aiosqlite:///./vitrina.db"
    database_pool_size: int = 10
    database_max_overflow: int = 0
    database_echo: bool = False
    database_pre_ping: bool = False
    redis_url: str | None = None

    jwt_secret: SecretStr = SecretStr("")
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    password_reset_minutes: int = 60

    store_name: str = "Vitrina"
    store_currency: str = "usd"
    store_timezone: str = "UTC"
    store_language: Language = Field(
        default="en", description="The catalogue's main language; shown when a text has none."
    )
    public_base_url: str = "http://127.0.0.1:8000"
    log_level: str = "INFO"
    log_format: Literal["console", "json"] = "console"

    stripe_api_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str | None = None
    stripe_max_network_retries: int = 2
    stripe_timeout_seconds: float = 10.0
    checkout_session_minutes: int = 30
    shipping_rate_amount: int = 0
    shipping_rate_name: str = "Standard shipping"
    shipping_countries: str = "US,GB,DE,FR,RU,KZ,NL,ES,IT,PL"

    mail_backend: Literal["console", "smtp", "memory"] = "console"
    mail_from: str = "Vitrina <shop@example.com>"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False

    media_dir: Path = Path("./media")
    max_upload_bytes: int = 5 * 1024 * 1024
    max_body_bytes: int = 10 * 1024 * 1024

    bcrypt_rounds: int = 12
    login_rate_limit: str = "5/minute"
    login_rate_limit_address: str = "20/minute"
    login_rate_limit_email: str = "30/hour"
    reset_rate_limit_email: str = "3/hour"
    reset_rate_limit_address: str = "10/hour"
    run_embedded_worker: bool | None = None
    low_stock_threshold: int = Field(default=5, ge=0, description="Admin dashboard: low stock.")

    @field_validator(
        "login_rate_limit",
        "login_rate_limit_address",
        "login_rate_limit_email",
        "reset_rate_limit_email",
        "reset_rate_limit_address",
    )
    @classmethod
    def _rate_limit_parses(cls, value: str) -> str:
        parse_limit(value)  # ValueError names the bad value
        return value

    @field_validator("store_currency")
    @classmethod
    def _currency_is_iso(cls, value: str) -> str:
        value = value.strip().lower()
        if len(value) != 3 or not value.isalpha():
            raise ValueError("STORE_CURRENCY must be a three-letter ISO code such as usd")
        return value

    @field_validator("store_timezone")
    @classmethod
    def _timezone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"STORE_TIMEZONE {value!r} is not a known IANA timezone") from exc
        return value

    @field_validator("public_base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.store_timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def uses_stripe_emulator(self) -> bool:
        """No real key configured: the store talks to the built-in emulator."""
        return self.stripe_api_key is None or not self.stripe_api_key.get_secret_value()

    def jwt_key(self) -> str:
        secret = self.jwt_secret.get_secret_value()
        if secret.strip().lower() in PLACEHOLDER_SECRETS:
            if self.demo:
                return DEMO_JWT_SECRET
            raise ConfigError(
                "JWT_SECRET is missing or a placeholder. Set it to a long random value, e.g. "
                "JWT_SECRET=$(python -c 'import secrets; print(secrets.token_urlsafe(48))'), "
                "or run in demo mode (vitrina demo)."
            )
        if len(secret) < 32 and not self.demo:
            raise ConfigError("JWT_SECRET must be at least 32 characters long.")
        return secret

    def check(self) -> None:
        """Refuse to start on a configuration that would be unsafe outside demo mode."""
        self.jwt_key()

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping().get(self.log_level.upper(), logging.INFO)


_current: Settings | None = None


def get_settings() -> Settings:
    """The settings in force: those given to create_app(), else read from the environment."""
    global _current
    if _current is None:
        _current = Settings()
    return _current


def set_settings(settings: Settings) -> None:
    global _current
    _current = settings


SettingsDep = Annotated[Settings, Depends(get_settings)]
