"""Amount-off coupons reach Stripe as `amount_off` + `currency` + `currency_options` for
every enabled currency; a changed amount or rate makes a new Stripe coupon and the promotion
code moves to it; drift reports a stale amount and `--fix` repairs it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import stripe
from sqlalchemy import update

from payments.conftest import (
    EmulatorControls,
    assert_stripe_matches_store,
    drain,
    stripe_sync_cli,
)
from vitrina.config import Settings
from vitrina.currencies.models import StoreCurrency
from vitrina.db import db_helper

FAR = 8043214523
pytestmark = pytest.mark.usefixtures("sync_app")
Headers = dict[str, str]


async def _call(
    client: httpx.AsyncClient, method: str, url: str, headers: Headers, **body: Any
) -> Any:
    r = await client.request(method, url, json=body or None, headers=headers)
    assert r.status_code in (200, 201), r.text
    return r.json()


def _remote(stripe_client: stripe.StripeClient, coupon_id: str) -> tuple[Any, dict[str, int]]:
    remote = stripe_client.v1.coupons.retrieve(coupon_id, {"expand": ["currency_options"]})
    given = remote.currency_options.to_dict() if remote.currency_options else {}
    options = {code: o["amount_off"] for code, o in given.items()}
    return remote, options


def _codes(stripe_client: stripe.StripeClient, coupon_id: str) -> list[str]:
    found = stripe_client.v1.promotion_codes.list({"coupon": coupon_id, "active": True})
    return [c.code for c in found.data]


async def test_amounts_and_rates_reach_stripe_as_new_coupons(
    client: httpx.AsyncClient,
    staff_headers: Headers,
    emulator: EmulatorControls,
    stripe_client: stripe.StripeClient,
) -> None:
    h = staff_headers
    await _call(client, "PUT", "/api/v1/currencies/eur", h, rate="0.92", rounding="99")
    await _call(client, "PUT", "/api/v1/currencies/jpy", h, rate="150")
    await _call(client, "PUT", "/api/v1/currencies/kwd", h, rate="0.3071")
    coupon = await _call(
        client, "POST", "/api/v1/coupons", h,
        number="FIVE", amount_off=500, amounts={"jpy": 700}, end_at=FAR,
    )  # fmt: skip
    await drain()
    await assert_stripe_matches_store()
    shown = await _call(client, "GET", f"/api/v1/coupons/{coupon['id']}", h)
    first = shown["stripe_id"]
    remote, options = _remote(stripe_client, first)
    assert (remote.amount_off, remote.currency, remote.percent_off) == (500, "usd", None)
    # EUR converted without price endings (a discount is not a price), JPY hand-set,
    # KWD in tens of fils.
    assert options == {"eur": 460, "jpy": 700, "kwd": 1540}
    assert _codes(stripe_client, first) == ["FIVE"]

    await _call(client, "PUT", "/api/v1/currencies/eur", h, rate="0.95", rounding="99")
    again = await _call(client, "GET", f"/api/v1/coupons/{coupon['id']}", h)
    assert again["sync_state"] == "pending"
    await drain()
    await assert_stripe_matches_store()
    second = (await _call(client, "GET", f"/api/v1/coupons/{coupon['id']}", h))["stripe_id"]
    assert second != first
    assert _remote(stripe_client, second)[1] == {"eur": 475, "jpy": 700, "kwd": 1540}
    assert _codes(stripe_client, second) == ["FIVE"]
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.coupons.retrieve(first)

    await _call(client, "PATCH", f"/api/v1/coupons/{coupon['id']}", h, amount_off=600)
    await drain()
    await assert_stripe_matches_store()
    third = (await _call(client, "GET", f"/api/v1/coupons/{coupon['id']}", h))["stripe_id"]
    remote, options = _remote(stripe_client, third)
    assert third not in (first, second) and remote.amount_off == 600
    assert options == {"eur": 570, "jpy": 700, "kwd": 1840}
    assert _codes(stripe_client, third) == ["FIVE"]

    await _call(client, "PATCH", f"/api/v1/coupons/{coupon['id']}", h, discount=15)
    await drain()
    await assert_stripe_matches_store()
    fourth = (await _call(client, "GET", f"/api/v1/coupons/{coupon['id']}", h))["stripe_id"]
    remote, options = _remote(stripe_client, fourth)
    assert (remote.percent_off, remote.amount_off, options) == (15.0, None, {})


async def test_a_stale_amount_is_reported_and_repaired(
    settings: Settings,
    client: httpx.AsyncClient,
    staff_headers: Headers,
    emulator: EmulatorControls,
    stripe_client: stripe.StripeClient,
) -> None:
    h = staff_headers
    await _call(client, "PUT", "/api/v1/currencies/gbp", h, rate="0.8")
    await _call(client, "POST", "/api/v1/coupons", h, number="OFF", amount_off=1000, end_at=FAR)
    await drain()
    assert await stripe_sync_cli(settings, "--check") == (0, "Stripe matches the store.\n")
    # A rate changed behind the service's back (by hand in the database): Stripe's coupon
    # still carries the old amount in GBP.
    async with db_helper.session_factory() as session:
        await session.execute(
            update(StoreCurrency).where(StoreCurrency.code == "gbp").values(rate="0.85")
        )
        await session.commit()
    status, report = await stripe_sync_cli(settings, "--check")
    assert status == 1
    assert "stale amount" in report and "gbp 850" in report and "gbp 800" in report, report
    assert "orphan" not in report, report
    status, _ = await stripe_sync_cli(settings, "--fix")
    assert status == 0
    assert await stripe_sync_cli(settings, "--check") == (0, "Stripe matches the store.\n")
    await assert_stripe_matches_store()
