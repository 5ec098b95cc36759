"""The one conversion function, and the basket's arithmetic in any currency, as properties."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from vitrina.basket.pricing import Quote, QuoteLine
from vitrina.currencies.conversion import Rounding, convert
from vitrina.currencies.pricing import Pricing
from vitrina.kit.money import charge_step, minor_unit_exponent
from vitrina.stripe_emulator.resources.totals import percent_discount

CURRENCIES = ["eur", "usd", "jpy", "kwd", "bhd", "gbp", "krw"]
amounts = st.integers(min_value=0, max_value=10_000_000)
rates = st.decimals(
    min_value=Decimal("0.0001"), max_value=Decimal("500"), places=6, allow_nan=False
)


def _exact(amount: int, source: str, target: str, rate: Decimal) -> Decimal:
    shift = minor_unit_exponent(target) - minor_unit_exponent(source)
    return Decimal(amount).scaleb(shift) * rate


@given(amounts, st.sampled_from(CURRENCIES), st.sampled_from(CURRENCIES), rates)
def test_plain_conversion_is_the_nearest_chargeable_amount(
    amount: int, source: str, target: str, rate: Decimal
) -> None:
    converted = convert(amount, source, target, rate)
    if source == target:
        assert converted == amount
        return
    step = charge_step(target)
    assert converted % step == 0
    if amount == 0:
        assert converted == 0
        return
    exact = _exact(amount, source, target, rate)
    assert converted >= step
    assert converted == step or abs(Decimal(converted) - exact) <= Decimal(step) / 2


@given(amounts, st.sampled_from(CURRENCIES), rates, st.sampled_from(list(Rounding)))
def test_every_rounding_is_chargeable_and_close(
    amount: int, target: str, rate: Decimal, rounding: Rounding
) -> None:
    converted = convert(amount, "usd", target, rate, rounding)
    if target == "usd" or amount == 0:
        assert converted == amount
        return
    assert converted > 0 and converted % charge_step(target) == 0
    unit = 10 ** minor_unit_exponent(target)
    exact = _exact(amount, "usd", target, rate)
    if rounding is Rounding.WHOLE:
        assert converted % unit == 0
        assert converted == unit or abs(converted - exact) <= Decimal(unit) / 2
    if rounding is Rounding.CHARM:
        hundred = unit if unit > 1 else 100
        below = 1 if unit == 1 else charge_step(target)
        assert (converted + below) % hundred == 0  # 12.99, ¥1,299, 12.990 KWD
        assert converted == hundred - below or abs(converted - exact) <= Decimal(hundred) / 2


@given(st.lists(amounts, min_size=2, max_size=2), st.sampled_from(CURRENCIES), rates,
       st.sampled_from(list(Rounding)))  # fmt: skip
def test_a_dearer_price_never_converts_cheaper(
    pair: list[int], target: str, rate: Decimal, rounding: Rounding
) -> None:
    low, high = sorted(pair)
    assert convert(low, "eur", target, rate, rounding) <= convert(
        high, "eur", target, rate, rounding
    )


lines = st.lists(st.tuples(st.integers(1, 2_000_000), st.integers(1, 20)), min_size=1, max_size=6)


@given(
    lines,
    st.sampled_from(CURRENCIES),
    rates,
    st.sampled_from(list(Rounding)),
    st.none() | st.decimals(min_value=Decimal("0.5"), max_value=100, places=1),
    st.integers(0, 5000),
)
def test_a_basket_in_any_currency_costs_what_stripe_computes(
    basket: list[tuple[int, int]],
    currency: str,
    rate: Decimal,
    rounding: Rounding,
    percent: Decimal | None,
    shipping: int,
) -> None:
    """Prices and shipping converted, a percent coupon: the store's discount is the
    emulator's (Stripe's rule, in tens for three-decimal currencies), every amount is
    chargeable, and the total is exactly its parts (no minor unit lost)."""
    step = charge_step(currency)
    quote = Quote(
        currency=currency,
        lines=tuple(
            QuoteLine(n, f"P{n}", convert(price, "usd", currency, rate, rounding), quantity)
            for n, (price, quantity) in enumerate(basket)
        ),
        shipping=convert(shipping, "usd", currency, rate),
        percent=percent,
    )
    assert all(line.unit_price % step == 0 for line in quote.lines)
    assert quote.subtotal == sum(line.unit_price * line.quantity for line in quote.lines)
    expected = percent_discount(quote.subtotal, percent, step) if percent is not None else 0
    assert quote.discount == expected
    assert quote.discount % step == 0 and 0 <= quote.discount <= quote.subtotal
    assert quote.total == quote.subtotal - quote.discount + quote.shipping
    assert quote.total % step == 0


CEILING = 10_000_000


@given(
    st.integers(min_value=0, max_value=CEILING),
    st.integers(min_value=0, max_value=CEILING),
    st.sampled_from(["usd", "jpy", "kwd"]),
    st.sampled_from(CURRENCIES),
    rates,
    st.sampled_from(list(Rounding)),
)
def test_a_typed_price_bound_keeps_exactly_the_prices_shown_inside_it(
    price: int, shown_bound: int, default: str, currency: str, rate: Decimal, rounding: Rounding
) -> None:
    """A listing's price filter typed in the shopper's currency: a product is kept by a lower
    bound exactly when its shown price is at or above it, by an upper one exactly when at or
    below it (the catalogue filters on the default price, `Pricing.in_default`)."""
    pricing = Pricing(default, currency, rate, rounding)
    shown = pricing.price(price)
    lower = pricing.in_default(shown_bound, upper=False, ceiling=CEILING)
    upper = pricing.in_default(shown_bound, upper=True, ceiling=CEILING)
    assert (shown >= shown_bound) == (price >= lower)
    assert (shown <= shown_bound) == (price <= upper)
