"""The total the store computes for a basket equals what Stripe (the emulator) will charge,
for many random baskets and coupon percentages (half-up rounding of the discount)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from vitrina.basket.pricing import MAXIMUM_CHARGE, quote
from vitrina.catalog.models import Product
from vitrina.config import Settings
from vitrina.currencies.pricing import in_default
from vitrina.payments.checkout_session import StripeSession
from vitrina.payments.client import make_stripe_client

MAX_PRICE = 2_000_000
SHIPPING_HEADROOM = 100_000
"""The strategy keeps totals this far below Stripe's maximum, for any test shipping rate."""


@st.composite
def lines_strategy(draw: st.DrawFn) -> list[tuple[int, int]]:
    """One to six (price, quantity) lines whose subtotal stays within Stripe's maximum
    charge (a larger basket is refused before Stripe: `test_checkout_charge_limits.py`);
    a line may take exactly what is left, so totals reach the limit too."""
    budget = MAXIMUM_CHARGE - SHIPPING_HEADROOM
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        quantity = draw(st.integers(1, 25))
        cap = min(MAX_PRICE, budget // quantity)
        price = draw(st.one_of(st.integers(0, cap), st.just(cap)))
        budget -= price * quantity
        lines.append((price, quantity))
    return lines


percent_strategy = st.one_of(
    st.none(),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2),
    st.sampled_from([Decimal("22.5"), Decimal("33.33"), Decimal("12.5"), Decimal("100")]),
)


def _product(index: int, price: int, currency: str) -> Product:
    return Product(
        id=index + 1,
        name=f"Random item {index + 1}",
        slug=f"random-{index + 1}",
        price=price,
        currency=currency,
        stock=100,
        stripe_id=None,
        sync_version=1,
        synced_version=0,
    )


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=lines_strategy(), percent=percent_strategy)
def test_store_total_equals_stripe_amount_total(
    settings: Settings, lines: list[tuple[int, int]], percent: Decimal | None
) -> None:
    client = make_stripe_client(settings)
    currency = settings.store_currency
    basket = [(_product(i, price, currency), quantity) for i, (price, quantity) in enumerate(lines)]
    coupon_id = None
    coupon = None
    if percent is not None:
        coupon_id = client.v1.coupons.create({"percent_off": float(percent), "duration": "once"}).id
        coupon = SimpleNamespace(id=1, number="RANDOM", discount=percent, amount_off=None)
    priced = quote(
        basket,
        coupon,  # type: ignore[arg-type]
        pricing=in_default(currency),
        shipping_amount=settings.shipping_rate_amount,
    )
    assert settings.shipping_rate_amount <= SHIPPING_HEADROOM
    assert priced.above_maximum_charge() is None
    assume(priced.below_minimum_charge() is None)
    user = SimpleNamespace(id=1, email="random@example.com")
    created = StripeSession(
        user=user, products=basket, unique_code="hypo", promo=coupon_id, client=client
    ).get_session_payments()
    assert created.amount_subtotal == priced.subtotal
    assert created.total_details.amount_discount == priced.discount
    assert created.total_details.amount_shipping == priced.shipping
    assert created.amount_total == priced.total
