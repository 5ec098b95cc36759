"""Money is an integer amount of minor units plus a lower-case ISO currency code."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga"}
    | {"pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)
THREE_DECIMAL = frozenset(["bhd", "jod", "kwd", "omr", "tnd"])


def minor_unit_exponent(currency: str) -> int:
    currency = currency.lower()
    if currency in ZERO_DECIMAL:
        return 0
    if currency in THREE_DECIMAL:
        return 3
    return 2


def to_decimal(amount: int, currency: str) -> Decimal:
    """500_00 usd -> Decimal('500.00'), for display only."""
    return Decimal(amount).scaleb(-minor_unit_exponent(currency))


def percent_of(amount: int, percent: Decimal | float | str, step: int = 1) -> int:
    """A percentage of a minor-unit amount, rounded half up as Stripe rounds discounts (to
    `step`: Stripe's three-decimal currencies count in tens)."""
    exact = Decimal(amount) * Decimal(str(percent)) / Decimal(100) / step
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)) * step


def charge_step(currency: str) -> int:
    """The smallest amount Stripe charges in `currency`: 10 in three-decimal ones."""
    return 10 if currency.lower() in THREE_DECIMAL else 1


def as_text(amount: int, currency: str) -> str:
    """Plain text for mail and history notes: 50000 usd -> "500.00 USD"."""
    return f"{to_decimal(amount, currency)} {currency.upper()}"
