from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from vitrina.config import DEMO_JWT_SECRET, ConfigError, Settings


def make(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize("secret", ["", "changeme", "secret"])
def test_placeholder_jwt_secret_is_refused_outside_demo(secret: str) -> None:
    with pytest.raises(ConfigError, match="JWT_SECRET"):
        make(jwt_secret=SecretStr(secret)).check()


def test_short_jwt_secret_is_refused() -> None:
    with pytest.raises(ConfigError, match="32 characters"):
        make(jwt_secret=SecretStr("x" * 20)).check()


def test_demo_mode_uses_a_demo_secret() -> None:
    assert make(demo=True).jwt_key() == DEMO_JWT_SECRET


def test_secrets_do_not_show_in_repr() -> None:
    settings = make(jwt_secret=SecretStr("s" * 40), stripe_api_key=SecretStr("sk_live_abc"))
    assert "s" * 40 not in repr(settings)
    assert "sk_live_abc" not in repr(settings)


def test_bad_currency_and_timezone_are_refused() -> None:
    with pytest.raises(ValidationError, match="STORE_CURRENCY"):
        make(store_currency="dollars")
    with pytest.raises(ValidationError, match="STORE_TIMEZONE"):
        make(store_timezone="Mars/Olympus")


def test_without_a_stripe_key_the_emulator_is_used() -> None:
    assert make().uses_stripe_emulator
    assert not make(stripe_api_key=SecretStr("sk_live_x")).uses_stripe_emulator
