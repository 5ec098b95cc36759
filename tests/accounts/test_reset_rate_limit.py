"""Password reset requests are limited per email and per client address, so the form cannot
flood an inbox, and the answers are the same whether or not the email has an account."""

from __future__ import annotations

import re
import secrets

import httpx
import pytest
from fastapi import FastAPI

from storefront.helpers import csrf_from
from vitrina.accounts import reset_rate_limit
from vitrina.accounts.models import User
from vitrina.config import Settings, get_settings, set_settings
from vitrina.mail import outbox

RESET = "/api/v1/auth/password-reset"


def _client_from(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def _answers(client: httpx.AsyncClient, email: str, times: int) -> list[object]:
    answers: list[object] = []
    for _ in range(times):
        response = await client.post(RESET, json={"email": email})
        answers.append((response.status_code, response.json()["detail"][:30]))
    return answers


async def test_one_inbox_gets_at_most_three_mails_an_hour_and_nobody_learns_who_exists(
    app: FastAPI, customer: User, settings: Settings
) -> None:
    assert (settings.reset_rate_limit_email, settings.reset_rate_limit_address) == (
        "3/hour",
        "10/hour",
    )
    async with _client_from(app, "10.3.0.1") as one, _client_from(app, "10.3.0.2") as two:
        known = await _answers(one, "customer@example.com", 2)
        known += await _answers(two, "Customer@Example.com", 2)  # another place, same inbox
        unknown = await _answers(one, "nobody@example.com", 2)
        unknown += await _answers(two, "Nobody@Example.com", 2)
        assert known == unknown, "the answers tell an account from none"
        assert [status for status, _ in known] == [202, 202, 202, 429]
        limited = await two.post(RESET, json={"email": "customer@example.com"})
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 3600
        assert limited.json()["detail"].startswith("Too many password reset requests.")
    assert [m.to for m in outbox()] == ["customer@example.com"] * 3


async def test_one_address_cannot_ask_for_many_inboxes(app: FastAPI) -> None:
    async with _client_from(app, "10.3.1.1") as spammer, _client_from(app, "10.3.1.2") as other:
        for number in range(10):
            sent = await spammer.post(RESET, json={"email": f"victim{number}@example.com"})
            assert sent.status_code == 202
        refused = await spammer.post(RESET, json={"email": "victim10@example.com"})
        assert refused.status_code == 429
        fine = await other.post(RESET, json={"email": "victim10@example.com"})
        assert fine.status_code == 202


async def test_the_page_says_so_in_the_shoppers_language(app: FastAPI, customer: User) -> None:
    async with _client_from(app, "10.3.2.1") as browser:
        browser.cookies.set("lang", "ru")
        statuses = []
        for _ in range(4):
            page = await browser.get("/forgot-password")
            sent = await browser.post(
                "/forgot-password",
                data={"email": customer.email, "csrf_token": csrf_from(page.text)},
            )
            statuses.append(sent.status_code)
        assert statuses == [200, 200, 200, 429]
        assert "Слишком много запросов на сброс пароля" in sent.text
        assert re.search(r"через \d+ мин\.", sent.text)
        assert 'id="reset-sent"' not in sent.text
    mails = [m for m in outbox() if m.to == customer.email]
    assert len(mails) == 3
    assert mails[0].subject == "Сброс пароля в магазине Vitrina"


async def test_counters_live_in_redis_when_it_is_configured(settings: Settings) -> None:
    """REDIS_URL set: the limiter counts in Redis, so every app process shares the count."""
    previous = get_settings()
    prefix = f"vitrina-test-{secrets.token_hex(4)}"
    set_settings(settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/0"}))
    try:
        limiter = reset_rate_limit.get_reset_limiter()
        assert type(limiter.storage).__name__ == "RedisStorage"
        limits = reset_rate_limit.ResetLimits("2/hour", "10/hour")
        redis = "async+redis://127.0.0.1:6379"
        first = reset_rate_limit.ResetRateLimiter(limits, redis, key_prefix=prefix)
        second = reset_rate_limit.ResetRateLimiter(limits, redis, key_prefix=prefix)
        try:
            await first.count("shared@example.com", "10.4.0.1")
            await second.count("Shared@example.com", "10.4.0.2")
            with pytest.raises(reset_rate_limit.TooManyResets):
                await first.count("shared@example.com", "10.4.0.3")
        finally:
            await first.reset()
            await first.aclose()
            await second.aclose()
    finally:
        await reset_rate_limit.forget_reset_limiter()
        set_settings(previous)


async def test_an_unreachable_store_of_counters_does_not_block_resets() -> None:
    limits = reset_rate_limit.ResetLimits("1/hour", "1/hour")
    limiter = reset_rate_limit.ResetRateLimiter(limits, "async+redis://127.0.0.1:9")
    try:
        for _ in range(3):
            await limiter.count("someone@example.com", "10.5.0.1")
    finally:
        await limiter.aclose()
