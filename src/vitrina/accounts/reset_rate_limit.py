"""How often a password reset may be asked for, so that the form cannot flood an inbox.

Every request counts (the `limits` library's moving windows, in Redis when REDIS_URL is set,
as for logins: `accounts/rate_limit.py`), per email (RESET_RATE_LIMIT_EMAIL, 3 an
hour: the mails one inbox can get) and per client address (RESET_RATE_LIMIT_ADDRESS,
10 an hour: one place asking for many inboxes). A request is counted before anyone looks for
the account, so the answer is the same whether or not the email has one: a 429 says nothing
about who is registered. If the counters' storage is unreachable, requests are not limited
(logged), rather than refused for everyone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import structlog
from limits import parse
from limits.errors import StorageError

from vitrina.accounts.email_address import normalize_email
from vitrina.accounts.rate_limit import Counters, storage_uri
from vitrina.config import Settings, get_settings
from vitrina.errors import TooManyRequests

log = structlog.get_logger(__name__)

KEY_PREFIX = "vitrina-reset"


@dataclass(frozen=True)
class ResetLimits:
    per_email: str = "3/hour"
    per_address: str = "10/hour"

    @classmethod
    def from_settings(cls, settings: Settings) -> ResetLimits:
        return cls(settings.reset_rate_limit_email, settings.reset_rate_limit_address)


class TooManyResets(TooManyRequests):
    """Carries the wait in minutes, for the page to say in the shopper's language."""

    def __init__(self, minutes: int, retry_after: int) -> None:
        super().__init__(
            f"Too many password reset requests. Try again in {minutes} minutes.",
            headers={"Retry-After": str(retry_after)},
        )
        self.minutes = minutes


class ResetRateLimiter(Counters):
    def __init__(
        self, limits: ResetLimits, storage_uri: str, *, key_prefix: str = KEY_PREFIX
    ) -> None:
        super().__init__(storage_uri, key_prefix=key_prefix)
        self.limits = [
            (parse(limits.per_address), "address"),
            (parse(limits.per_email), "email"),
        ]

    async def count(self, email: str, address: str | None) -> None:
        """Count one request; raise 429 (`TooManyResets`) once the address or the email
        has asked its allowance in the window."""
        values = {"address": address or "-", "email": normalize_email(email)}
        try:
            for limit, kind in self.limits:
                key = (kind, values[kind])
                if not await self.strategy.hit(limit, *key):
                    retry_after = await self.retry_after(limit, key)
                    log.warning("password_reset_rate_limited", by=kind, retry_after=retry_after)
                    raise TooManyResets(math.ceil(retry_after / 60), retry_after)
        except StorageError as exc:
            log.error("password_reset_rate_limit_unavailable", error=str(exc))


_limiter: tuple[tuple[ResetLimits, str], ResetRateLimiter] | None = None


def get_reset_limiter() -> ResetRateLimiter:
    """The limiter for the settings in force (rebuilt if they changed)."""
    global _limiter
    config = (ResetLimits.from_settings(get_settings()), storage_uri())
    if _limiter is None or _limiter[0] != config:
        _limiter = (config, ResetRateLimiter(*config))
    return _limiter[1]


async def forget_reset_limiter() -> None:
    """Forget every counter (between tests)."""
    global _limiter
    if _limiter is not None:
        try:
            await _limiter[1].reset()
        except StorageError as exc:
            log.warning("password_reset_rate_limit_reset_failed", error=str(exc))
        await _limiter[1].aclose()
    _limiter = None
