"""The totals arithmetic on its own (the HTTP tests check it end to end)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from vitrina.stripe_emulator.resources.totals import amount_discount, distribute, percent_discount


def test_percent_rounds_half_up() -> None:
    assert percent_discount(1999, Decimal("22.5")) == 450
    assert percent_discount(10, Decimal("25")) == 3
    assert percent_discount(10, Decimal("15")) == 2
    assert percent_discount(1, Decimal("50")) == 1
    assert percent_discount(50000, 22.0) == 11000


@given(
    subtotal=st.integers(min_value=0, max_value=10**9),
    percent=st.decimals(min_value=Decimal("0.01"), max_value=100, places=2),
)
def test_percent_never_exceeds_subtotal(subtotal: int, percent: Decimal) -> None:
    discount = percent_discount(subtotal, percent)
    assert 0 <= discount <= subtotal
    assert abs(Decimal(discount) - Decimal(subtotal) * percent / 100) <= Decimal("0.5")


def test_amount_off_is_capped() -> None:
    assert amount_discount(300, 500) == 300
    assert amount_discount(800, 500) == 500


@given(
    total=st.integers(min_value=0, max_value=10**6),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20),
)
def test_distribute_adds_up(total: int, weights: list[int]) -> None:
    parts = distribute(total, weights)
    if sum(weights) == 0:
        assert parts == [0] * len(weights)
        return
    assert sum(parts) == total
    assert all(p == 0 for p, w in zip(parts, weights, strict=True) if w == 0)
