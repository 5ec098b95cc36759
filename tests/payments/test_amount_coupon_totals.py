"""For random baskets, amount-off coupons and currencies (USD, EUR, GBP, JPY: zero-decimal,
KWD: three-decimal), the store's discount and total are what Stripe (the emulator) computes
for a session in that currency with the Stripe coupon the sync makes (`amount_off` in the
store's currency plus `currency_options`), through the official SDK."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from vitrina.basket.pricing import quote
from vitrina.catalog.models import Product
from vitrina.config import Settings
from vitrina.coupons.models import CouponAmount, DiscountCoupon
from vitrina.currencies.conversion import Rounding
from vitrina.currencies.pricing import Pricing
from vitrina.kit.clock import utcnow
from vitrina.payments.client import make_stripe_client
from vitrina.payments.sync.coupons import coupon_params
from vitrina.payments.sync.currency_options import EnabledRate
from vitrina.payments.sync.targets import coupon_target

RATES = (
    EnabledRate("eur", Decimal("0.92"), Rounding.CHARM),
    EnabledRate("gbp", Decimal("0.7893"), Rounding.NONE),
    EnabledRate("jpy", Decimal("151.37"), Rounding.WHOLE),
    EnabledRate("kwd", Decimal("0.3071"), Rounding.NONE),
)
FAR = utcnow().replace(year=utcnow().year + 3)
_ids = itertools.count(1)


@st.composite
def baskets(draw: st.DrawFn) -> list[tuple[int, int]]:
    """One to five (price in the default currency, quantity) lines."""
    return [
        (draw(st.integers(1, 500_000)), draw(st.integers(1, 9)))
        for _ in range(draw(st.integers(1, 5)))
    ]


def _product(index: int, price: int, currency: str) -> Product:
    return Product(id=index + 1, name=f"Item {index + 1}", slug=f"item-{index + 1}", price=price,
                   currency=currency, stock=100, sync_version=1, synced_version=0)  # fmt: skip


@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=baskets(),
    currency=st.sampled_from(["usd", "eur", "gbp", "jpy", "kwd"]),
    amount_off=st.one_of(st.integers(1, 2_000_000), st.sampled_from([1, 99, 100_000])),
    hand_set=st.one_of(st.none(), st.integers(1, 1_000_000)),
)
def test_amount_coupon_totals_equal_stripes(
    settings: Settings,
    lines: list[tuple[int, int]],
    currency: str,
    amount_off: int,
    hand_set: int | None,
) -> None:
    default = settings.store_currency
    rate = next((r for r in RATES if r.code == currency), None)
    pricing = (
        Pricing(default, currency, rate.rate, rate.rounding) if rate else Pricing(default, default)
    )
    coupon = DiscountCoupon(
        id=next(_ids), number="RANDOM", discount=None, amount_off=amount_off, end_at=FAR,
        is_active=True,
    )  # fmt: skip
    if hand_set is not None and currency != default:
        step = 10 if currency == "kwd" else 1
        coupon.amounts = [CouponAmount(currency=currency, amount_minor=hand_set * step)]
    basket = [
        (_product(i, pricing.price(price), currency), quantity)
        for i, (price, quantity) in enumerate(lines)
    ]
    priced = quote(basket, coupon, pricing=pricing, shipping_amount=0)
    assume(priced.charge_problem() is None)
    assert 0 <= priced.discount <= priced.subtotal
    assert isinstance(priced.discount, int)

    client = make_stripe_client(settings)
    made = client.v1.coupons.create(coupon_params(coupon_target(coupon, RATES), utcnow()))
    assert made.amount_off == amount_off and made.currency == default
    line_items: Any = [
        {
            "price_data": {
                "currency": currency,
                "unit_amount": product.price,
                "product_data": {"name": product.name},
            },
            "quantity": quantity,
        }
        for product, quantity in basket
    ]
    session = client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "currency": currency,
            "line_items": line_items,
            "discounts": [{"coupon": made.id}],
            "success_url": "https://shop.example/ok",
        }
    )
    assert session.amount_subtotal == priced.subtotal
    assert session.total_details is not None
    assert session.total_details.amount_discount == priced.discount
    assert session.amount_total == priced.total
