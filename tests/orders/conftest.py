"""Fixtures for fulfilment tests: the store served over real HTTP, the emulator's controls,
and a checkout arranged the way the basket feature leaves it.

`live_server` serves the test app with uvicorn on a free port as a task on the test's own event
loop (the app's database engine belongs to that loop), so the emulator, running in its own
thread, can deliver webhooks to it while a test awaits. Tests must therefore await (async SDK
calls, `emulator.*` helpers) rather than block the loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import stripe
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts.models import User
from vitrina.basket.models import Basket, BasketItem, CheckoutSession, StockReservation
from vitrina.catalog.models import Product
from vitrina.catalog.variants import variant_ids_of
from vitrina.config import Settings
from vitrina.coupons.models import DiscountCoupon
from vitrina.db import db_helper
from vitrina.kit.clock import from_unix, utcnow
from vitrina.kit.money import percent_of
from vitrina.orders.models import Order
from vitrina.orders.notifications import wait_for_outgoing_mail
from vitrina.payments.client import make_stripe_client
from vitrina.payments.webhooks import HANDLERS

WEBHOOK_PATH = "/api/v1/stripe/webhook"


class Emulator:
    """The emulator's `/_emulator` controls and the SDK, awaited so the loop keeps serving."""

    def __init__(self, settings: Settings) -> None:
        assert settings.stripe_api_base
        self.base_url = settings.stripe_api_base
        self.stripe = make_stripe_client(settings)
        self.http = httpx.AsyncClient(base_url=self.base_url, timeout=60)

    async def control(self, method: str, path: str, body: Any = None) -> Any:
        response = await self.http.request(method, f"/_emulator/{path}", json=body)
        response.raise_for_status()
        return response.json()

    async def complete(self, session_id: str, outcome: str = "paid", **body: Any) -> Any:
        return await self.control(
            "POST", f"checkout/sessions/{session_id}/complete", {"outcome": outcome, **body}
        )

    async def deliver(
        self, event_id: str, *, times: int = 1, concurrent: bool = False, stale: bool = False
    ) -> list[dict[str, Any]]:
        answer = await self.control(
            "POST",
            f"events/{event_id}/deliver",
            {"times": times, "concurrent": concurrent, "stale_signature": stale},
        )
        deliveries: list[dict[str, Any]] = answer["deliveries"]
        return deliveries

    async def advance_clock(self, seconds: float) -> Any:
        return await self.control("POST", "clock/advance", {"seconds": seconds})

    async def event(self, event_type: str, object_id: str) -> stripe.Event:
        """The newest event of this type about this object."""
        page = await self.stripe.v1.events.list_async({"type": event_type, "limit": 100})
        for event in page.data:
            if event.data.object["id"] == object_id:
                return event
        raise AssertionError(f"no {event_type} event for {object_id}")

    async def deliveries(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = (await self.control("GET", "deliveries"))["data"]
        return rows

    async def settle(self, within: float = 15.0) -> None:
        """Wait until no delivery attempt is in flight (each answered, failed or given up)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            rows = await self.deliveries()
            if not any(d["status"] is None and d["error"] is None for d in rows):
                await asyncio.sleep(0.05)  # a retry scheduled by a failure starts a new row
                rows = await self.deliveries()
                if not any(d["status"] is None and d["error"] is None for d in rows):
                    return
            await asyncio.sleep(0.05)


@pytest.fixture
async def emulator(settings: Settings) -> AsyncIterator[Emulator]:
    controls = Emulator(settings)
    yield controls
    await controls.control("POST", "reset")
    await controls.http.aclose()
    await wait_for_outgoing_mail()


Listen = Callable[[], Awaitable[str]]


@pytest.fixture
def listen(
    emulator: Emulator, live_server: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Listen:
    """`await listen()`: from now on Stripe delivers the events the store handles to the live
    store (as production's endpoint is configured), signed with the endpoint's secret, which the
    store is set to verify with."""

    async def start() -> str:
        endpoint = await emulator.stripe.v1.webhook_endpoints.create_async(
            {"url": live_server + WEBHOOK_PATH, "enabled_events": list(HANDLERS)}
        )
        assert endpoint.secret
        monkeypatch.setattr(settings, "stripe_webhook_secret", SecretStr(endpoint.secret))
        return endpoint.secret

    return start


@pytest.fixture
async def webhook_endpoint(listen: Listen) -> str:
    return await listen()


@pytest.fixture
def webhook_secret(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> str:
    """A secret the store verifies with, for tests that sign events themselves."""
    secret = "whsec_orders_tests_" + secrets.token_hex(8)
    monkeypatch.setattr(settings, "stripe_webhook_secret", SecretStr(secret))
    return secret


def sign(payload: str, secret: str, *, age: int = 0) -> str:
    timestamp = int(time.time()) - age
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


@dataclass
class Arranged:
    """What the basket feature leaves behind after `POST /checkout`."""

    user: User
    basket_id: int
    code: str
    session_id: str
    total: int
    lines: list[tuple[int, int]]
    coupon_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def success_params(self) -> dict[str, str]:
        return {"session_id": self.session_id, "code": self.code}


ArrangeCheckout = Callable[..., Awaitable[Arranged]]


def session_params(
    settings: Settings, basket_id: int, code: str, user: User, lines: list[tuple[Product, int]]
) -> dict[str, Any]:
    """Checkout Session parameters as the basket feature sends them (CONTRACT.md)."""
    return {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": settings.store_currency,
                    "unit_amount": p.price,
                    "product_data": {"name": p.name},
                },
                "quantity": q,
            }
            for p, q in lines
        ],
        "success_url": f"{settings.public_base_url}/checkout/success?code={code}"
        "&session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": f"{settings.public_base_url}/basket?checkout=cancelled",
        "metadata": {"basket_id": str(basket_id), "unique_code": code, "user_id": str(user.id)},
        "client_reference_id": f"basket-{basket_id}",
        "customer_email": user.email,
    }


def add_shipping(params: dict[str, Any], amount: int, currency: str) -> None:
    params["shipping_address_collection"] = {"allowed_countries": ["US", "DE"]}
    params["shipping_options"] = [
        {
            "shipping_rate_data": {
                "display_name": "Standard",
                "type": "fixed_amount",
                "fixed_amount": {"amount": amount, "currency": currency},
            }
        }
    ]


async def _stripe_coupon(client: stripe.StripeClient, coupon: DiscountCoupon) -> str:
    created = await client.v1.coupons.create_async(
        {"percent_off": float(coupon.discount), "duration": "once", "name": coupon.number}
    )
    return created.id


@pytest.fixture
def arrange_checkout(settings: Settings, emulator: Emulator) -> ArrangeCheckout:
    """`await arrange_checkout(user, [(product, qty), ...], coupon=None, shipping=500)`: the
    basket with its code, the Stripe Checkout Session (metadata and client_reference_id per
    CONTRACT.md), the CheckoutSession row with the store's amounts, and the reservations."""

    async def arrange(
        user: User,
        lines: list[tuple[Product, int]],
        *,
        coupon: DiscountCoupon | None = None,
        shipping: int = 500,
        amount_total_override: int | None = None,
    ) -> Arranged:
        currency = settings.store_currency
        code = secrets.token_hex(16)
        snapshot = [
            {
                "product_id": p.id,
                "name": p.name,
                "unit_price": p.price,
                "quantity": q,
                "line_total": p.price * q,
            }
            for p, q in lines
        ]
        subtotal = sum(line["line_total"] for line in snapshot)
        discount = percent_of(subtotal, coupon.discount) if coupon else 0
        total = subtotal - discount + shipping
        async with db_helper.session_factory() as session:
            basket = await session.scalar(select(Basket).where(Basket.user_id == user.id))
            if basket is None:
                basket = Basket(user_id=user.id)
                session.add(basket)
                await session.flush()
            basket.unique_code = code
            basket.coupon_id = coupon.id if coupon else None
            variant_of = await variant_ids_of(session, [p.id for p, _ in lines])
            for p, q in lines:
                session.add(
                    BasketItem(
                        basket_id=basket.id,
                        product_id=p.id,
                        variant_id=variant_of[p.id],
                        quantity=q,
                        added_at=utcnow(),
                    )
                )
            await session.commit()
            basket_id = basket.id
        params = session_params(settings, basket_id, code, user, lines)
        if coupon is not None:
            params["discounts"] = [{"coupon": await _stripe_coupon(emulator.stripe, coupon)}]
        if shipping:
            add_shipping(params, shipping, currency)
        remote = await emulator.stripe.v1.checkout.sessions.create_async(
            params, {"idempotency_key": f"vitrina:checkout:{basket_id}:{code}"}
        )
        assert remote.amount_total == total, (remote.amount_total, total)
        expires_at = from_unix(remote.expires_at)
        async with db_helper.session_factory() as session:
            session.add(
                CheckoutSession(
                    id=remote.id,
                    basket_id=basket_id,
                    user_id=user.id,
                    unique_code=code,
                    url=remote.url,
                    currency=currency,
                    amount_subtotal=subtotal,
                    amount_discount=discount,
                    amount_shipping=shipping,
                    amount_total=total if amount_total_override is None else amount_total_override,
                    coupon_id=coupon.id if coupon else None,
                    coupon_number=coupon.number if coupon else None,
                    items=snapshot,
                    expires_at=expires_at,
                )
            )
            await session.flush()
            for p, q in lines:
                session.add(
                    StockReservation(
                        product_id=p.id,
                        variant_id=variant_of[p.id],
                        checkout_session_id=remote.id,
                        quantity=q,
                        expires_at=expires_at,
                        created_at=utcnow(),
                    )
                )
            basket_row = await session.get(Basket, basket_id)
            assert basket_row is not None
            basket_row.session_id = remote.id
            await session.commit()
        return Arranged(
            user=user,
            basket_id=basket_id,
            code=code,
            session_id=remote.id,
            total=total,
            lines=[(p.id, q) for p, q in lines],
            coupon_id=coupon.id if coupon else None,
        )

    return arrange


@pytest.fixture
def make_coupon(app: FastAPI) -> Callable[..., Awaitable[DiscountCoupon]]:
    async def factory(
        number: str | None = None, discount: str = "10", max_redemptions: int | None = None
    ) -> DiscountCoupon:
        async with db_helper.session_factory() as session:
            coupon = DiscountCoupon(
                number=number or f"SAVE{secrets.token_hex(3).upper()}",
                discount=Decimal(discount),
                end_at=utcnow() + timedelta(days=30),
                max_redemptions=max_redemptions,
            )
            session.add(coupon)
            await session.commit()
            return coupon

    return factory


async def eventually(
    check: Callable[[], Awaitable[bool]], *, within: float = 15.0, what: str = "condition"
) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def count_orders(session: AsyncSession, stripe_session_id: str | None = None) -> int:
    query = select(func.count()).select_from(Order)
    if stripe_session_id is not None:
        query = query.where(Order.stripe_session_id == stripe_session_id)
    return int((await session.execute(query)).scalar_one())


async def order_for(session: AsyncSession, stripe_session_id: str) -> Order | None:
    return (
        await session.execute(
            select(Order)
            .where(Order.stripe_session_id == stripe_session_id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


async def stock_of(session: AsyncSession, product_id: int) -> int:
    return int(
        (await session.execute(select(Product.stock).where(Product.id == product_id))).scalar_one()
    )


async def post_event(
    client: httpx.AsyncClient, event: dict[str, Any], secret: str, *, age: int = 0
) -> httpx.Response:
    """Sign and POST an event the way Stripe does (for events the emulator cannot produce)."""
    payload = json.dumps(event)
    return await client.post(
        WEBHOOK_PATH,
        content=payload,
        headers={
            "Stripe-Signature": sign(payload, secret, age=age),
            "Content-Type": "application/json",
        },
    )


MakePaidOrder = Callable[..., Awaitable[tuple[Order, Arranged]]]


@pytest.fixture
def make_paid_order(arrange_checkout: ArrangeCheckout, emulator: Emulator) -> MakePaidOrder:
    """`await make_paid_order(user, [(product, qty)])`: a checkout paid in Stripe and fulfilled
    (as the success URL would), committed."""

    async def factory(
        user: User, lines: list[tuple[Product, int]], **options: Any
    ) -> tuple[Order, Arranged]:
        from vitrina.payments.fulfilment import fulfil_checkout_session

        arranged = await arrange_checkout(user, lines, **options)
        await emulator.complete(arranged.session_id, "paid")
        async with db_helper.session_factory() as session:
            order = await fulfil_checkout_session(session, arranged.session_id)
            await session.commit()
        assert order is not None
        return order, arranged

    return factory
