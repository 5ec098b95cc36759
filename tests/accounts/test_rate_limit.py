"""Failed logins are throttled per email and per client address, and the throttle recovers."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from accounts.conftest import Login
from fixtures.accounts import DEFAULT_PASSWORD
from vitrina.accounts import rate_limit
from vitrina.accounts.models import User
from vitrina.config import Settings, get_settings, set_settings

TOKEN = "/api/v1/auth/token"
WRONG = "Wr0ng-password"


def _client_from(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def _attempt(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post(TOKEN, data={"username": email, "password": password})


async def test_wrong_passwords_from_one_address_do_not_lock_out_the_owner_elsewhere(
    app: FastAPI, customer: User, settings: Settings
) -> None:
    assert settings.login_rate_limit == "5/minute"
    async with _client_from(app, "10.0.0.1") as attacker, _client_from(app, "10.0.0.2") as owner:
        for _ in range(5):
            assert (await _attempt(attacker, "customer@example.com", WRONG)).status_code == 401
        tripped = await _attempt(attacker, "Customer@example.com", DEFAULT_PASSWORD)
        assert tripped.status_code == 429
        assert 1 <= int(tripped.headers["retry-after"]) <= 60
        assert "Too many failed login attempts" in tripped.json()["detail"]
        assert (await _attempt(owner, "customer@example.com", DEFAULT_PASSWORD)).status_code == 200


@pytest.fixture
async def small_limits() -> AsyncIterator[None]:
    """Per pair 3, per address 4, per email 6 failures a minute (in memory)."""
    limits = rate_limit.LoginLimits("3/minute", "4/minute", "6/minute")
    rate_limit.set_login_limiter(rate_limit.LoginRateLimiter(limits, "async+memory://"))
    yield
    await rate_limit.reset_login_limiter()


async def test_one_address_trying_many_emails_is_stopped(
    app: FastAPI, customer: User, small_limits: None
) -> None:
    async with _client_from(app, "10.0.0.9") as attacker, _client_from(app, "10.0.0.10") as other:
        for n in range(4):
            assert (await _attempt(attacker, f"guess{n}@example.com", WRONG)).status_code == 401
        blocked = await _attempt(attacker, "customer@example.com", DEFAULT_PASSWORD)
        assert blocked.status_code == 429
        assert (await _attempt(other, "customer@example.com", DEFAULT_PASSWORD)).status_code == 200


async def test_guessing_spread_over_many_addresses_meets_the_per_email_backstop(
    app: FastAPI, customer: User, small_limits: None
) -> None:
    for n in range(6):
        async with _client_from(app, f"10.0.1.{n}") as bot:
            assert (await _attempt(bot, "customer@example.com", WRONG)).status_code == 401
    async with _client_from(app, "10.0.2.1") as owner:
        assert (await _attempt(owner, "customer@example.com", DEFAULT_PASSWORD)).status_code == 429
        assert (await _attempt(owner, "someone@example.com", WRONG)).status_code == 401


async def test_successful_logins_do_not_count(login: Login, customer: User) -> None:
    for _ in range(4):
        assert (await login("customer@example.com", WRONG)).status_code == 401
    for _ in range(8):
        assert (await login("customer@example.com")).status_code == 200
    assert (await login("customer@example.com", WRONG)).status_code == 401
    assert (await login("customer@example.com")).status_code == 429


@pytest.fixture
async def short_window() -> AsyncIterator[None]:
    limits = rate_limit.LoginLimits("2/1second", "20/minute", "30/hour")
    rate_limit.set_login_limiter(rate_limit.LoginRateLimiter(limits, "async+memory://"))
    yield
    await rate_limit.reset_login_limiter()


async def test_the_limit_recovers_after_its_window(
    login: Login, customer: User, short_window: None
) -> None:
    assert (await login("customer@example.com", WRONG)).status_code == 401
    assert (await login("customer@example.com", WRONG)).status_code == 401
    tripped = await login("customer@example.com")
    assert tripped.status_code == 429
    assert tripped.headers["retry-after"] == "1"
    await asyncio.sleep(1.1)
    assert (await login("customer@example.com")).status_code == 200


async def test_reset_clears_the_counters(login: Login, customer: User) -> None:
    for _ in range(5):
        await login("customer@example.com", WRONG)
    assert (await login("customer@example.com")).status_code == 429
    await rate_limit.reset_login_limiter()
    assert (await login("customer@example.com")).status_code == 200


REDIS = "async+redis://127.0.0.1:6379"


async def test_redis_counters_are_shared_between_processes() -> None:
    """Two limiters on one Redis stand for two app processes: a failure on one counts on both;
    the owner, from another address, is still let in."""
    prefix = f"vitrina-test-{secrets.token_hex(4)}"
    limits = rate_limit.LoginLimits("3/minute", "20/minute", "30/hour")
    first = rate_limit.LoginRateLimiter(limits, REDIS, key_prefix=prefix)
    second = rate_limit.LoginRateLimiter(limits, REDIS, key_prefix=prefix)
    try:
        await first.record_failure("shared@example.com", "10.1.1.1")
        await second.record_failure("shared@example.com", "10.1.1.1")
        await second.check("shared@example.com", "10.1.1.1")
        await first.record_failure("Shared@Example.com", "10.1.1.1")
        with pytest.raises(Exception, match="Too many failed login attempts") as tripped:
            await second.check("shared@example.com", "10.1.1.1")
        assert getattr(tripped.value, "status_code", None) == 429
        await second.check("shared@example.com", "10.1.1.2")
        await second.check("someone-else@example.com", "10.1.1.3")
    finally:
        await first.reset()
        await first.aclose()
        await second.aclose()


async def test_redis_url_setting_selects_redis_storage(
    app: FastAPI, customer: User, settings: Settings
) -> None:
    previous = get_settings()
    set_settings(settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/0"}))
    try:
        limiter = rate_limit.get_login_limiter()
        assert type(limiter.storage).__name__ == "RedisStorage"
        await limiter.reset()
        await test_wrong_passwords_from_one_address_do_not_lock_out_the_owner_elsewhere(
            app, customer, settings
        )
    finally:
        await rate_limit.reset_login_limiter()
        set_settings(previous)


async def test_an_unreachable_redis_does_not_block_logins() -> None:
    limits = rate_limit.LoginLimits("1/minute", "1/minute", "1/minute")
    limiter = rate_limit.LoginRateLimiter(limits, "async+redis://127.0.0.1:9")
    try:
        await limiter.record_failure("someone@example.com", "10.2.2.2")
        await limiter.record_failure("someone@example.com", "10.2.2.2")
        await limiter.check("someone@example.com", "10.2.2.2")
    finally:
        await limiter.aclose()
