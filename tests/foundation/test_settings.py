"""Settings refuse what is unsafe to run, with one sentence saying how to fix it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from vitrina.config import ConfigError, Settings, database_url_problem
from vitrina.demo_folder import demo_secrets

PRODUCTION = {
    "jwt_secret": SecretStr("j" * 48),
    "stripe_api_key": SecretStr("sk_test_123"),
    "stripe_webhook_secret": SecretStr("whsec_123"),
}


def make(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def production(**values: object) -> Settings:
    return make(**{**PRODUCTION, **values})


def demo_in(folder: Path, **values: object) -> Settings:
    return make(demo=True, database_url=f"sqlite+aiosqlite:///{folder}/vitrina.db", **values)


def test_a_complete_production_configuration_starts() -> None:
    production().check()


@pytest.mark.parametrize("secret", ["", "changeme", "secret"])
def test_placeholder_jwt_secret_is_refused_outside_demo(secret: str) -> None:
    with pytest.raises(ConfigError, match="JWT_SECRET"):
        production(jwt_secret=SecretStr(secret)).check()


def test_short_jwt_secret_is_refused() -> None:
    with pytest.raises(ConfigError, match="32 characters"):
        production(jwt_secret=SecretStr("x" * 20)).check()


def test_without_a_stripe_key_only_demo_mode_starts() -> None:
    with pytest.raises(ConfigError, match=r"STRIPE_API_KEY is not set.*vitrina demo"):
        production(stripe_api_key=None).check()
    assert not production(stripe_api_key=None).builtin_emulator


def test_a_key_without_a_webhook_secret_is_refused() -> None:
    with pytest.raises(ConfigError, match="STRIPE_WEBHOOK_SECRET is not set"):
        production(stripe_webhook_secret=None).check()


def test_a_worker_needs_the_key_but_no_web_secrets() -> None:
    make(stripe_api_key=SecretStr("sk_test_1")).check(serves_web=False)
    with pytest.raises(ConfigError, match="STRIPE_API_KEY"):
        make().check(serves_web=False)


def test_a_live_key_is_only_sent_to_stripe() -> None:
    live = {"stripe_api_key": SecretStr("sk_live_abc")}
    with pytest.raises(ConfigError, match=r"live key.*http://127\.0\.0\.1:12111.*not Stripe"):
        production(**live, stripe_api_base="http://127.0.0.1:12111").check()
    with pytest.raises(ConfigError, match="not Stripe"):
        production(**live, stripe_api_base="https://api.stripe.com.evil.example").check()
    production(**live, stripe_api_base="https://api.stripe.com").check()
    production(**live).check()


def test_demo_mode_refuses_a_remote_postgresql_and_a_live_key(tmp_path: Path) -> None:
    remote = "postgresql+asyncpg://shop@db.example.com/shop"
    with pytest.raises(ConfigError, match=r"Demo mode.*db\.example\.com"):
        make(demo=True, database_url=remote).check()
    for local in ("127.0.0.1", "localhost", "[::1]"):
        local_url = f"postgresql+asyncpg://shop@{local}/shop"
        make(demo=True, database_url=local_url).check(serves_web=False)
    with pytest.raises(ConfigError, match="Demo mode takes no real payments"):
        demo_in(tmp_path, stripe_api_key=SecretStr("sk_live_abc")).check()


def test_demo_secrets_are_random_per_folder_and_survive_a_restart(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    demo = demo_in(first)
    demo.check()
    assert demo.builtin_emulator
    assert len(demo.jwt_key()) >= 32 and demo.webhook_key().startswith("whsec_")
    assert demo_in(second).jwt_key() != demo.jwt_key()
    assert demo_in(second).webhook_key() != demo.webhook_key()
    stored = first / ".vitrina-demo" / "secrets.json"
    assert stored.stat().st_mode & 0o077 == 0, "the secrets file is the owner's only"
    demo_secrets.cache_clear()  # as a new process would: read back from the file
    assert demo_in(first).jwt_key() == json.loads(stored.read_text())["jwt_secret"]
    assert demo_in(first).jwt_key() == demo.jwt_key()


def test_demo_mode_with_an_explicit_stripe_needs_its_webhook_secret(tmp_path: Path) -> None:
    external = demo_in(tmp_path, stripe_api_base="http://127.0.0.1:12111")
    assert not external.builtin_emulator
    with pytest.raises(ConfigError, match="STRIPE_WEBHOOK_SECRET"):
        external.check()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgres://shop@db/shop", "write postgresql+asyncpg://shop@db/shop instead"),
        ("postgresql://shop:pw@db/shop", "write postgresql+asyncpg://shop:***@db/shop instead"),
        ("sqlite:///./x.db", "write sqlite+aiosqlite:///./x.db instead"),
        ("not a url", "not a database URL"),
        ("postgresql+asyncpg://a@b:port/c", "not a database URL"),
        ("mysql+aiomysql://a@b/c", "Vitrina runs on"),
        ("sqlite+aiosqlite:////no/such/folder/x.db", "folder /no/such/folder"),
    ],
)
def test_unusable_database_urls_are_explained(url: str, says: str) -> None:
    problem = database_url_problem(url)
    assert problem is not None and says in problem
    assert "pw" not in problem


def test_secrets_do_not_show_in_repr() -> None:
    settings = make(jwt_secret=SecretStr("s" * 40), stripe_api_key=SecretStr("sk_live_abc"))
    assert "s" * 40 not in repr(settings)
    assert "sk_live_abc" not in repr(settings)


def test_bad_currency_and_timezone_are_refused() -> None:
    with pytest.raises(ValidationError, match="STORE_CURRENCY"):
        make(store_currency="dollars")
    with pytest.raises(ValidationError, match="STORE_TIMEZONE"):
        make(store_timezone="Mars/Olympus")
