"""Catalogs compile without a build step; money and dates follow the locale and the store's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from vitrina.config import Settings
from vitrina.kit import catalogs
from vitrina.storefront import i18n
from vitrina.storefront.listing import highlight, to_minor
from vitrina.storefront.web import cookie_is_secure, safe_next


def test_catalogs_compile_in_memory_when_no_mo_file_is_there(tmp_path: Path, monkeypatch) -> None:
    source = i18n.LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.po"
    target = tmp_path / "ru" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "messages.po").write_bytes(source.read_bytes())
    monkeypatch.setattr(catalogs, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        russian = i18n.translations("ru")
        assert russian.gettext("Basket") == "Корзина"
        assert russian.ngettext("Only %(num)d left", "Only %(num)d left", 3) == (
            "Осталось %(num)d шт."
        )
        assert not (target / "messages.mo").exists()
        assert i18n.translations("xx").gettext("Basket") == "Basket"
    finally:
        i18n.translations.cache_clear()


def test_money_in_minor_units_per_locale() -> None:
    assert i18n.money(123_456, "usd", "en") == "$1,234.56"
    assert i18n.money(123_456, "usd", "ru") == "1\xa0234,56\xa0$"
    assert i18n.money(123_456, "rub", "ru") == "1\xa0234,56\xa0₽"
    assert i18n.money(1500, "jpy", "en") == "¥1,500"


def test_dates_in_the_store_timezone() -> None:
    moment = datetime(2026, 1, 2, 21, 30, tzinfo=UTC)
    assert i18n.moment(moment, "en", "UTC") == "Jan 2, 2026, 9:30:00\u202fPM"
    assert i18n.moment(moment, "ru", "Europe/Moscow") == "3 янв. 2026\u202fг., 00:30:00"


def test_prices_typed_by_shoppers() -> None:
    assert to_minor("12.50", "usd") == 1250
    assert to_minor("12,5", "eur") == 1250
    assert to_minor("1500", "jpy") == 1500
    assert to_minor("-1", "usd") is None and to_minor("NaN", "usd") is None
    assert to_minor("abc", "usd") is None and to_minor("1e30", "usd") is None


def test_highlight_escapes_before_marking() -> None:
    assert str(highlight("<b>Brass</b> lamp", "brass")) == (
        "&lt;b&gt;<mark>Brass</mark>&lt;/b&gt; lamp"
    )
    assert str(highlight("Tom & Jerry", "amp")) == "Tom &amp; Jerry"


def test_secure_cookie_only_over_https() -> None:
    def settings(url: str) -> Settings:
        return Settings(
            _env_file=None,  # type: ignore[call-arg]
            jwt_secret=SecretStr("x" * 40),
            public_base_url=url,
        )

    assert cookie_is_secure(settings("https://shop.example")) is True
    assert cookie_is_secure(settings("http://127.0.0.1:8000")) is False


def test_next_is_a_local_path() -> None:
    assert safe_next("/basket?x=1") == "/basket?x=1"
    for bad in ("https://evil.example", "//evil.example", "/\\evil", "evil", "/a\nb", None):
        assert safe_next(bad) == "/"


def test_service_messages_in_the_pages_language() -> None:
    from starlette.requests import Request

    from vitrina.storefront.messages import shown

    def request(language: str) -> Request:
        scope = {"type": "http", "headers": [], "state": {"language": language}}
        return Request(scope)

    russian, english = request("ru"), request("en")
    assert shown(russian, "This coupon has expired.") == "Срок действия промокода истёк."
    assert shown(russian, "Promo code “NOPE” does not exist.") == "Промокода «NOPE» не существует."
    both = "“Mug” is out of stock. Only 2 of “Lamp” left in stock; you have 3."
    assert shown(russian, both) == (
        "«Mug» нет в наличии. «Lamp» осталось только 2 шт., а у вас в корзине 3."
    )
    assert shown(english, both) == both
    assert shown(russian, "Something new.") == "Something new."
