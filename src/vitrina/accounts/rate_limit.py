"""Failed-login throttling per email and per client address (the `limits` library).

Counters live in Redis when `settings.redis_url` is set, so every app process shares them;
otherwise in this process's memory. Only failures are counted; once either counter is full,
further attempts get 429 with `Retry-After` until the moving window frees a slot. If Redis is
unreachable, logins are not throttled (logged), rather than refused for everyone.
"""

from __future__ import annotations

import math
import time
from typing import Any

import redis.asyncio
import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from vitrina.config import get_settings
from vitrina.errors import TooManyRequests

log = structlog.get_logger(__name__)

KEY_PREFIX = "vitrina-login"
REDIS_TIMEOUT_SECONDS = 1.0


class LoginRateLimiter:
    def __init__(self, limit: str, storage_uri: str, *, key_prefix: str = KEY_PREFIX) -> None:
        self.limit: RateLimitItem = parse(limit)
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

    @staticmethod
    def _keys(email: str, address: str | None) -> list[tuple[str, str]]:
        keys = [("email", email.strip().lower())]
        if address:
            keys.append(("address", address))
        return keys

    async def check(self, email: str, address: str | None) -> None:
        """Raise 429 if this email or address has used up its failed attempts."""
        try:
            for key in self._keys(email, address):
                if not await self.strategy.test(self.limit, *key):
                    stats = await self.strategy.get_window_stats(self.limit, *key)
                    retry_after = max(1, math.ceil(stats.reset_time - time.time()))
                    log.warning("login_rate_limited", by=key[0], retry_after=retry_after)
                    raise TooManyRequests(
                        f"Too many failed login attempts. Try again in {retry_after} seconds.",
                        headers={"Retry-After": str(retry_after)},
                    )
        except StorageError as exc:
            log.error("login_rate_limit_unavailable", error=str(exc))

    async def record_failure(self, email: str, address: str | None) -> None:
        try:
            for key in self._keys(email, address):
                await self.strategy.hit(self.limit, *key)
        except StorageError as exc:
            log.error("login_rate_limit_unavailable", error=str(exc))

    async def reset(self) -> None:
        await self.storage.reset()

    async def aclose(self) -> None:
        """Close Redis connections (memory storage has none)."""
        if self._pool is not None:
            await self._pool.disconnect()


_from_settings: tuple[tuple[str, str], LoginRateLimiter] | None = None
_installed: LoginRateLimiter | None = None


def _storage_uri() -> str:
    redis_url = get_settings().redis_url
    if redis_url:
        return redis_url if redis_url.startswith("async+") else "async+" + redis_url
    return "async+memory://"


def get_login_limiter() -> LoginRateLimiter:
    """The installed limiter, else one for the settings in force (rebuilt if they changed)."""
    global _from_settings
    if _installed is not None:
        return _installed
    config = (get_settings().login_rate_limit, _storage_uri())
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
