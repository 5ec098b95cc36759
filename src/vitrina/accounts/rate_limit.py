"""Failed-login throttling that an attacker cannot turn against the account's owner.

Three moving-window counters of failed attempts (the `limits` library), in the way
Django-axes (lockout by username *and* IP) and Keycloak (a slow permanent-lockout backstop
behind quick per-attempt waits) do it:

- per (email, client address), fast (`LOGIN_RATE_LIMIT`, 5/minute): guessing one account
  from one place;
- per client address (`LOGIN_RATE_LIMIT_ADDRESS`, 20/minute): one place trying many accounts;
- per email from anywhere (`LOGIN_RATE_LIMIT_EMAIL`, 30/hour): a slow backstop against
  guessing spread over many addresses.

So five wrong passwords for someone else's email lock out only the address they came from;
the owner, elsewhere, still logs in. Counters live in Redis when `settings.redis_url` is set,
so every app process shares them; otherwise in this process's memory. Only failures count;
once a counter is full, further attempts get 429 with `Retry-After` until the moving window
frees a slot. If Redis is unreachable, logins are not throttled (logged), rather than refused
for everyone.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import Any

import redis.asyncio
import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from vitrina.accounts.email_address import normalize_email
from vitrina.config import Settings, get_settings
from vitrina.errors import TooManyRequests

log = structlog.get_logger(__name__)

KEY_PREFIX = "vitrina-login"
REDIS_TIMEOUT_SECONDS = 1.0


@dataclass(frozen=True)
class LoginLimits:
    """Failed attempts allowed per window, in `limits` notation ("5/minute")."""

    per_email_and_address: str = "5/minute"
    per_address: str = "20/minute"
    per_email: str = "30/hour"

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimits:
        return cls(
            settings.login_rate_limit,
            settings.login_rate_limit_address,
            settings.login_rate_limit_email,
        )


Counter = tuple[RateLimitItem, tuple[str, ...]]


class Counters:
    """Moving-window counters in `storage_uri` ("async+memory://", "async+redis://...")."""

    def __init__(self, storage_uri: str, *, key_prefix: str) -> None:
        options: dict[str, Any] = {"wrap_exceptions": True}
        self._pool: redis.asyncio.ConnectionPool | None = None
        if storage_uri.startswith("async+redis"):
            self._pool = redis.asyncio.ConnectionPool.from_url(
                storage_uri.removeprefix("async+"),
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
            )
            options.update(
                implementation="redispy", key_prefix=key_prefix, connection_pool=self._pool
            )
        storage = storage_from_string(storage_uri, **options)
        if not isinstance(storage, Storage):
            raise ValueError(f"{storage_uri!r} is not an async (async+...) limits storage")
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(self.storage)

    async def retry_after(self, limit: RateLimitItem, key: tuple[str, ...]) -> int:
        """Seconds until the moving window of a full counter frees a slot."""
        stats = await self.strategy.get_window_stats(limit, *key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def reset(self) -> None:
        # The memory storage sweeps expired entries in a task of its own; clearing the storage
        # under a running sweep makes that task fail (limits 5.8), so let it finish first.
        sweep = getattr(self.storage, "timer", None)
        if isinstance(sweep, asyncio.Task) and not sweep.done():
            await asyncio.wait([sweep])
        await self.storage.reset()

    async def aclose(self) -> None:
        """Close Redis connections (memory storage has none)."""
        if self._pool is not None:
            await self._pool.disconnect()


class LoginRateLimiter(Counters):
    def __init__(
        self, limits: LoginLimits, storage_uri: str, *, key_prefix: str = KEY_PREFIX
    ) -> None:
        super().__init__(storage_uri, key_prefix=key_prefix)
        self.pair = parse(limits.per_email_and_address)
        self.address = parse(limits.per_address)
        self.email = parse(limits.per_email)

    def _counters(self, email: str, address: str | None) -> list[Counter]:
        email, address = normalize_email(email), address or "-"
        return [
            (self.pair, ("email+address", email, address)),
            (self.address, ("address", address)),
            (self.email, ("email", email)),
        ]

    async def check(self, email: str, address: str | None) -> None:
        """Raise 429 if a counter this attempt falls under has used up its failures."""
        try:
            for limit, key in self._counters(email, address):
                if not await self.strategy.test(limit, *key):
                    retry_after = await self.retry_after(limit, key)
                    log.warning("login_rate_limited", by=key[0], retry_after=retry_after)
                    raise TooManyRequests(
                        f"Too many failed login attempts. Try again in {retry_after} seconds.",
                        headers={"Retry-After": str(retry_after)},
                    )
        except StorageError as exc:
            log.error("login_rate_limit_unavailable", error=str(exc))

    async def record_failure(self, email: str, address: str | None) -> None:
        try:
            for limit, key in self._counters(email, address):
                await self.strategy.hit(limit, *key)
        except StorageError as exc:
            log.error("login_rate_limit_unavailable", error=str(exc))


_from_settings: tuple[tuple[LoginLimits, str], LoginRateLimiter] | None = None
_installed: LoginRateLimiter | None = None


def storage_uri() -> str:
    """Redis when REDIS_URL is set (every process shares the counters), else this process."""
    redis_url = get_settings().redis_url
    if redis_url:
        return redis_url if redis_url.startswith("async+") else "async+" + redis_url
    return "async+memory://"


def get_login_limiter() -> LoginRateLimiter:
    """The installed limiter, else one for the settings in force (rebuilt if they changed)."""
    global _from_settings
    if _installed is not None:
        return _installed
    config = (LoginLimits.from_settings(get_settings()), storage_uri())
    if _from_settings is None or _from_settings[0] != config:
        _from_settings = (config, LoginRateLimiter(*config))
    return _from_settings[1]


def set_login_limiter(limiter: LoginRateLimiter | None) -> None:
    """Install a specific limiter (tests: a short window); None goes back to the settings."""
    global _installed
    _installed = limiter


async def reset_login_limiter() -> None:
    """Forget every counter and any installed limiter (between tests)."""
    global _from_settings, _installed
    for limiter in (_installed, _from_settings[1] if _from_settings else None):
        if limiter is not None:
            try:
                await limiter.reset()
            except StorageError as exc:
                log.warning("login_rate_limit_reset_failed", error=str(exc))
            await limiter.aclose()
    _from_settings, _installed = None, None
