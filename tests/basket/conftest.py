"""Helpers for basket and checkout tests: shoppers, coupons, and the emulator's controls."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import stripe
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts.models import User
from vitrina.config import Settings
from vitrina.coupons.models import DiscountCoupon
from vitrina.kit.clock import utcnow
from vitrina.payments.client import make_stripe_client

Headers = dict[str, str]


class Emulator:
    """The Stripe emulator the app talks to: its `/_emulator` controls and a client (async).

    tests/conftest.py resets it (state, faults, call log) after every test."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http
        self.stripe: stripe.StripeClient = make_stripe_client(settings)

    async def control(self, method: str, path: str, json: Any = None) -> Any:
        response = await self.http.request(method, f"/_emulator/{path}", json=json)
        response.raise_for_status()
        return response.json()

    async def fault(self, kind: str, **options: Any) -> None:
        await self.control("POST", "faults", {"kind": kind, **options})

    async def clear_faults(self) -> None:
        await self.control("DELETE", "faults")

    async def calls(self, path: str, method: str = "POST") -> list[dict[str, Any]]:
        found = await self.control("GET", f"calls?path={path}&method={method}")
        return list(found["data"] if isinstance(found, dict) else found)

    async def complete(self, session_id: str, **body: Any) -> Any:
        """Pay (or otherwise end) a session as Stripe's page would: `outcome` "paid" unless
        given, and any other field of the control (e.g. `shipping_rate`)."""
        return await self.control(
            "POST", f"checkout/sessions/{session_id}/complete", {"outcome": "paid", **body}
        )

    async def session(self, session_id: str) -> stripe.checkout.Session:
        return await self.stripe.v1.checkout.sessions.retrieve_async(session_id)


@pytest.fixture
async def emulator(settings: Settings) -> AsyncIterator[Emulator]:
    assert settings.stripe_api_base
    async with httpx.AsyncClient(base_url=settings.stripe_api_base, timeout=30) as http:
        yield Emulator(settings, http)


@pytest.fixture
def shopper(
    make_user: Callable[..., Awaitable[User]], auth_headers: Callable[[User], Headers]
) -> Callable[[], Awaitable[tuple[User, Headers]]]:
    """`user, headers = await shopper()`: a fresh customer and their bearer headers."""

    async def factory() -> tuple[User, Headers]:
        user = await make_user()
        return user, auth_headers(user)

    return factory


@pytest.fixture
def make_coupon(session: AsyncSession) -> Callable[..., Awaitable[DiscountCoupon]]:
    """A committed coupon row (the coupons feature owns the API; tests only need the row)."""

    async def factory(
        number: str = "SAVE10",
        discount: Decimal | str | None = "10",
        *,
        end_at: Any = None,
        **fields: Any,
    ) -> DiscountCoupon:
        coupon = DiscountCoupon(
            number=number,
            discount=Decimal(str(discount)) if discount is not None else None,
            end_at=end_at or utcnow() + timedelta(days=30),
            **fields,
        )
        session.add(coupon)
        await session.commit()
        return coupon

    return factory
