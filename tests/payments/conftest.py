"""Helpers for the Stripe sync tests: an SDK client and the emulator's test controls."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe
from fastapi import FastAPI
from sqlalchemy import func, select

from vitrina.catalog.models import Product, ProductVariant
from vitrina.config import Settings
from vitrina.coupons.models import DiscountCoupon
from vitrina.db import db_helper
from vitrina.payments.sync import WorkerConfig, sync_due_once


class EmulatorControls:
    """The emulator's private `/_emulator` controls (faults, call log, reset)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        with httpx.Client(base_url=self.base_url, timeout=30) as http:
            response = http.request(method, f"/_emulator/{path}", **kwargs)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self._request("POST", "reset")

    def fault(self, kind: str = "500", **options: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._request("POST", "faults", json={"kind": kind, **options})
        return result

    def clear_faults(self) -> None:
        self._request("DELETE", "faults")

    def calls(self, path: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in {"path": path, "method": method}.items() if v}
        data: list[dict[str, Any]] = self._request("GET", "calls", params=params)["data"]
        return data


@pytest.fixture
def emulator(settings: Settings) -> EmulatorControls:
    assert settings.stripe_api_base, "the Stripe emulator is not running"
    controls = EmulatorControls(settings.stripe_api_base)
    controls.reset()
    return controls


@pytest.fixture(scope="session")
def stripe_client(settings: Settings) -> Iterator[stripe.StripeClient]:
    """The SDK, for checking what Stripe holds (one pooled client, closed at the end)."""
    assert settings.stripe_api_key is not None and settings.stripe_api_base
    http = stripe.RequestsClient()
    yield stripe.StripeClient(
        settings.stripe_api_key.get_secret_value(),
        base_addresses={"api": settings.stripe_api_base},
        max_network_retries=0,
        http_client=http,
    )
    http.close()


async def pending_rows() -> int:
    async with db_helper.session_factory() as session:
        total = 0
        for model in (Product, DiscountCoupon):
            count = await session.scalar(
                select(func.count()).where(model.synced_version < model.sync_version)
            )
            total += count or 0
        return total


FAST = WorkerConfig(lease_seconds=30, backoff_base=0.05, backoff_cap=0.3)


async def drain(within: float = 30.0, config: WorkerConfig = FAST) -> None:
    """Run a worker until nothing is left to deliver (or fail after `within` seconds)."""
    deadline = time.monotonic() + within
    while await pending_rows():
        if time.monotonic() > deadline:
            raise AssertionError(f"{await pending_rows()} rows still pending after {within}s")
        if not await sync_due_once(50, config=config):
            await asyncio.sleep(0.05)


@pytest.fixture
def sync_app(app: FastAPI, emulator: EmulatorControls) -> FastAPI:
    """The app (it serves the staff sync router), with a clean emulator."""
    return app


async def assert_stripe_matches_store() -> None:
    """No drift, and no twins: one Stripe product per local product, one price per amount,
    one coupon per live local coupon, one active promotion code per code."""
    from vitrina.payments.client import make_stripe_client
    from vitrina.payments.sync.drift import find_drift, load_stripe
    from vitrina.payments.sync.variant_prices import variant_of

    view = await load_stripe(make_stripe_client())
    async with db_helper.session_factory() as session:
        drift = await find_drift(session, view)
        products = list(await session.scalars(select(Product)))
        coupons = list(await session.scalars(select(DiscountCoupon)))
    assert drift == []
    local = {f"vitrina_prod_{p.id}" for p in products}
    assert local <= set(view.products)
    assert all(not p.active for i, p in view.products.items() if i not in local)
    for product_id in view.products:
        amounts = [
            (p.unit_amount, p.currency, variant_of(p))
            for p in view.prices.values()
            if p.product == product_id
        ]
        assert len(amounts) == len(set(amounts)), f"twin prices on {product_id}: {amounts}"
        active = [
            p
            for p in view.prices.values()
            if p.product == product_id and p.active and variant_of(p) is None
        ]
        assert len(active) == 1, f"{product_id} has {len(active)} active prices of its own"
    for product in products:  # a product with options: one active Price per active variant
        variants = await variant_prices_in_store(product.id)
        sold = sorted(v for v, active in variants.items() if active) if product.has_options else []
        remote = sorted(
            variant_of(p) or 0
            for p in view.prices.values()
            if p.product == f"vitrina_prod_{product.id}" and p.active and variant_of(p)
        )
        assert remote == sold, f"product {product.id}: variant prices {remote}, wanted {sold}"
    live = [c for c in coupons if c.deleted_at is None]
    assert len(view.coupons) == len(live)
    codes = [c.code.lower() for c in view.codes if c.active]
    assert len(codes) == len(set(codes))
    assert sorted(codes) == sorted(c.number.lower() for c in live if c.is_active)


async def variant_prices_in_store(product_id: int) -> dict[int, bool]:
    """The product's variants with options: id -> active."""
    async with db_helper.session_factory() as session:
        rows = await session.execute(
            select(ProductVariant.id, ProductVariant.is_active).where(
                ProductVariant.product_id == product_id, ProductVariant.combination != ""
            )
        )
        return {variant_id: active for variant_id, active in rows}


def worker_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for a `vitrina worker` process talking to this test's database and Stripe."""
    import os

    assert settings.stripe_api_key is not None and settings.stripe_api_base
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "STRIPE_API_KEY": settings.stripe_api_key.get_secret_value(),
        "STRIPE_API_BASE": settings.stripe_api_base,
        "STRIPE_MAX_NETWORK_RETRIES": "0",
        "LOG_LEVEL": "WARNING",
    }
    env.update(extra)
    return env


async def stripe_sync_cli(settings: Settings, *args: str) -> tuple[int, str]:
    """`vitrina stripe-sync <args>` against this test's database and Stripe: (exit, stdout)."""
    import sys
    from pathlib import Path

    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "vitrina"), "stripe-sync", *args,
        env=worker_env(settings, COLUMNS="200"),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()
