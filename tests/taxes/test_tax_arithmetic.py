"""The store's tax arithmetic is Stripe's: for random baskets, discounts and rates, the
store's per-line tax equals the emulator's (which follows Stripe's documented rounding), tax
is never negative, and the discount's shares add up to the discount."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from vitrina.kit.money import percent_of
from vitrina.stripe_emulator.resources.totals import distribute, line_taxes
from vitrina.taxes.arithmetic import basket_tax, quantum, spread

PERCENT = st.decimals(min_value=0, max_value=30, places=2)
RATES = st.lists(st.tuples(PERCENT, st.booleans()), max_size=2)


@settings(max_examples=300, deadline=None)
@given(
    amounts=st.lists(st.integers(1, 5_000_000), min_size=1, max_size=6),
    percent_off=st.decimals(min_value=0, max_value=100, places=2),
    rates=st.data(),
    currency=st.sampled_from(["usd", "jpy", "kwd"]),
)
def test_store_tax_equals_stripes(amounts, percent_off, rates, currency) -> None:
    line_rates = [rates.draw(RATES) for _ in amounts]
    if currency == "kwd":
        amounts = [a * 10 for a in amounts]
    discount = min(sum(amounts), percent_of(sum(amounts), percent_off))
    step = quantum(currency)
    discount -= discount % step
    shares = spread(discount, amounts, step)
    assert shares == distribute(discount, amounts, step) and sum(shares) == discount
    ours = basket_tax(amounts, discount, line_rates, currency)
    for amount, share, tax, rates_of_line in zip(amounts, shares, ours, line_rates, strict=True):
        theirs, _taxable = line_taxes(
            amount - share, [(Decimal(p), i) for p, i in rates_of_line], step
        )
        assert tax.amount == sum(theirs) >= 0
        assert tax.added == sum(
            t for t, (_p, i) in zip(theirs, rates_of_line, strict=True) if not i
        )
        assert tax.amount % step == 0
