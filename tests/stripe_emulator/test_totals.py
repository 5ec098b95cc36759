"""The totals arithmetic on its own (the HTTP tests check it end to end)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from vitrina.stripe_emulator.resources.totals import (
    amount_discount,
    distribute,
    line_taxes,
    percent_discount,
)


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


def test_line_taxes_round_each_rate_half_up() -> None:
    """Stripe's example (support article "Rounding rules for Stripe fees"): 15 % of $0.43
    is 0.0645 -> 0.06 and of $4.84 is 0.7265 -> 0.73, rounded per line."""
    assert line_taxes(43, [(Decimal(15), False)]) == ([6], 43)
    assert line_taxes(484, [(Decimal(15), False)]) == ([73], 484)
    assert line_taxes(1010, [(Decimal(5), False)]) == ([51], 1010)
    assert line_taxes(1000, [(Decimal(10), True), (Decimal(5), True)]) == ([87, 43], 870)
    # Inclusive and exclusive on one line: the exclusive rate taxes the net amount.
    assert line_taxes(1200, [(Decimal(20), True), (Decimal(5), False)]) == ([200, 50], 1000)
    assert line_taxes(12340, [(Decimal(5), False)], quantum=10) == ([620], 12340)


def test_distribute_in_tens() -> None:
    assert distribute(1850, [5000, 7340], quantum=10) == [750, 1100]
    assert sum(distribute(1855, [1, 1, 1], quantum=10)) == 1855
