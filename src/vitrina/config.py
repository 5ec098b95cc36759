"""One place for configuration: environment variables and an optional `.env` file."""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Depends
from limits import parse as parse_limit
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from vitrina.demo_folder import DemoFolderError, demo_folder, demo_secrets
from vitrina.kit.languages import Language

PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "placeholder", "xxx"})
LIVE_KEY_PREFIXES = ("sk_live_", "rk_live_")
STRIPE_DOMAIN = "stripe.com"
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}
SUPPORTED_DATABASES = (
    "sqlite+aiosqlite:///./vitrina.db or postgresql+asyncpg://user:password@host:5432/dbname"
)


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to change."""


class Settings(BaseSettings):
    """Vitrina's settings. Every field can be set by the upper-case environment variable."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    demo: bool = Field(
        default=False,
        description="Demo mode: the built-in Stripe emulator, secrets kept in the demo folder.",
    )
    database_url: str = "sqlite+aiosqlite:///./vitrina.db"
    database_pool_size: int = 10
    database_max_overflow: int = 0
    database_pool_timeout: float = Field(default=5.0, gt=0)
    database_echo: bool = False
    database_pre_ping: bool = False
    database_replica_url: str | None = Field(
        default=None,
        description="A PostgreSQL streaming replica for anonymous catalogue reads "
        "(vitrina.replica); the primary serves them whenever the replica is down or behind.",
    )
    database_replica_max_lag_seconds: float = Field(
        default=10.0,
        gt=0,
        description="The replica serves reads only while it is less than this far behind.",
    )
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
    metrics_token: SecretStr | None = None

    stripe_api_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str | None = None
    stripe_max_network_retries: int = 2
    stripe_timeout_seconds: float = 10.0
    checkout_session_minutes: int = 30
    shipping_rate_amount: int = 0
    shipping_rate_name: str = "Standard shipping"
    shipping_countries: str = "US,GB,DE,FR,RU,KZ,NL,ES,IT,PL"
    tax_mode: Literal["off", "manual", "automatic"] = Field(
        default="off",
        description="off: no tax; manual: the admin's tax rates as Stripe Tax Rates on each "
        "line; automatic: Stripe Tax (automatic_tax).",
    )
    prices_include_tax: bool = Field(
        default=False,
        description="Prices are entered with tax included (tax_behavior=inclusive on Stripe).",
    )

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
    def has_stripe_key(self) -> bool:
        return self.stripe_api_key is not None and bool(self.stripe_api_key.get_secret_value())

    @property
    def builtin_emulator(self) -> bool:
        """Demo mode with no Stripe configured: the app serves its own emulator."""
        return self.demo and not self.has_stripe_key and not self.stripe_api_base

    @property
    def demo_folder(self) -> Path:
        """Where demo mode keeps its secrets and the built-in emulator's state."""
        return demo_folder(self.database_url)

    def demo_secret(self, name: Literal["jwt_secret", "webhook_secret"]) -> str:
        try:
            return demo_secrets(self.demo_folder)[name]
        except (DemoFolderError, OSError) as exc:
            raise ConfigError(str(exc)) from exc

    def jwt_key(self) -> str:
        secret = self.jwt_secret.get_secret_value()
        if secret.strip().lower() in PLACEHOLDER_SECRETS:
            if self.demo:
                return self.demo_secret("jwt_secret")
            raise ConfigError(
                "JWT_SECRET is missing or a placeholder. Set it to a long random value, e.g. "
                "JWT_SECRET=$(python -c 'import secrets; print(secrets.token_urlsafe(48))'), "
                "or run in demo mode (vitrina demo)."
            )
        if len(secret) < 32 and not self.demo:
            raise ConfigError("JWT_SECRET must be at least 32 characters long.")
        return secret

    def webhook_key(self) -> str:
        """The secret Stripe's events are verified with."""
        if self.stripe_webhook_secret is not None and self.stripe_webhook_secret.get_secret_value():
            return self.stripe_webhook_secret.get_secret_value()
        if self.builtin_emulator:
            return self.demo_secret("webhook_secret")
        raise ConfigError(
            "STRIPE_WEBHOOK_SECRET is not set: Stripe's events could not be verified, so paid "
            "orders would wait for the customer to come back. Set it to the whsec_... secret of "
            "the store's webhook endpoint (Stripe dashboard, Developers, Webhooks)."
        )

    def check(self, *, serves_web: bool = True) -> None:
        """Refuse a configuration that is unsafe: raise ConfigError saying how to fix it.

        Outside demo mode Stripe must be configured (the built-in emulator lets anyone mark an
        order paid), and a web server needs the JWT and webhook secrets. A worker
        (`serves_web=False`) verifies no events and signs no tokens.
        """
        problem = database_url_problem(self.database_url)
        if problem:
            raise ConfigError(problem)
        if self.database_replica_url:
            self._check_replica(self.database_replica_url)
        key = self.stripe_api_key.get_secret_value() if self.stripe_api_key else ""
        live = key.startswith(LIVE_KEY_PREFIXES)
        if live and self.stripe_api_base and not _is_stripe(self.stripe_api_base):
            raise ConfigError(
                f"STRIPE_API_KEY is a live key but STRIPE_API_BASE sends it to "
                f"{self.stripe_api_base}, which is not Stripe. Unset STRIPE_API_BASE, or use "
                "an sk_test_ key with an emulator."
            )
        if self.demo:
            self._check_demo(live)
        elif not self.has_stripe_key:
            raise ConfigError(
                "STRIPE_API_KEY is not set. Set STRIPE_API_KEY and STRIPE_WEBHOOK_SECRET from "
                "your Stripe account, or run a demo store with `vitrina demo` (or DEMO=true), "
                "where payments are emulated and anyone can complete an order without paying."
            )
        if serves_web:
            self.jwt_key()
            self.webhook_key()

    def _check_replica(self, replica_url: str) -> None:
        problem = _replica_problem(replica_url, self.database_url)
        if problem:
            raise ConfigError(problem)

    def _check_demo(self, live_key: bool) -> None:
        if live_key:
            raise ConfigError(
                "Demo mode takes no real payments, but STRIPE_API_KEY is a live key. Use an "
                "sk_test_ key (or none, for the built-in emulator), or turn demo mode off."
            )
        url = make_url(self.database_url)
        host = url.host or ""
        if url.get_backend_name() == "postgresql" and not _is_loopback(host):
            raise ConfigError(
                f"Demo mode is for trying the store on this machine, but DATABASE_URL names "
                f"the PostgreSQL host {host}. Point it at 127.0.0.1 (or a SQLite file), or "
                "turn demo mode off (DEMO=false) and configure Stripe."
            )

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping().get(self.log_level.upper(), logging.INFO)


def _is_stripe(base: str) -> bool:
    """https on stripe.com or one of its subdomains (api.stripe.com, files.stripe.com)."""
    parts = urlsplit(base)
    host = (parts.hostname or "").lower()
    return parts.scheme == "https" and (host == STRIPE_DOMAIN or host.endswith("." + STRIPE_DOMAIN))


def _is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8, ::1, or a Unix socket (no host, or a socket directory)."""
    if not host or host.startswith("/") or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _replica_problem(replica_url: str, database_url: str) -> str | None:
    problem = database_url_problem(replica_url)
    if problem:
        return problem.replace("DATABASE_URL", "DATABASE_REPLICA_URL")
    if not (replica_url.startswith("postgresql") and database_url.startswith("postgresql")):
        return (
            "DATABASE_REPLICA_URL needs PostgreSQL for both the primary (DATABASE_URL) and the "
            "replica (a streaming standby of it). Unset DATABASE_REPLICA_URL."
        )
    return None


def database_url_problem(database_url: str) -> str | None:
    """What is wrong with DATABASE_URL before connecting (and how to fix it), or None."""
    try:
        url: URL = make_url(database_url)
    except (ArgumentError, ValueError):
        return f"DATABASE_URL is not a database URL. Write {SUPPORTED_DATABASES}."
    shown = url.render_as_string(hide_password=True)
    backend = url.drivername.partition("+")[0]
    wanted = ASYNC_DRIVERS.get(backend)
    if wanted and url.drivername != wanted:
        fixed = url.set(drivername=wanted).render_as_string(hide_password=True)
        return f"DATABASE_URL {shown} does not name the async driver: write {fixed} instead."
    if not wanted:
        return f"DATABASE_URL {shown}: Vitrina runs on {SUPPORTED_DATABASES}."
    if backend == "sqlite" and url.database and url.database != ":memory:":
        folder = Path(url.database).parent
        if not folder.is_dir():
            return (
                f"the folder {folder} of the SQLite file in DATABASE_URL does not exist. "
                "Create it, or fix DATABASE_URL."
            )
    return None


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


async def settings_in_force() -> Settings:
    """`get_settings()` as a request dependency. A coroutine on purpose: FastAPI runs a plain
    function dependency in a worker thread, a thread hop on every request that takes the
    settings (a tenth of a product page's CPU, `python -m bench.profile_reads`)."""
    return get_settings()


SettingsDep = Annotated[Settings, Depends(settings_in_force)]
