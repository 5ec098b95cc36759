"""How a price is labelled for the shopper's country: sales-tax countries (US, CA) expect
prices before tax with tax added at checkout; VAT countries (EU, RU, ...) expect to be told
whether VAT is in the price."""

from __future__ import annotations

from vitrina.config import Settings

SALES_TAX_COUNTRIES = frozenset({"US", "CA"})
"""Where shoppers expect prices before tax."""


def price_note(settings: Settings, country: str | None) -> str | None:
    """The English sentence (a catalog entry) to show beside a price, or None (no tax)."""
    if settings.tax_mode == "off":
        return None
    sales_tax = (country or "").upper() in SALES_TAX_COUNTRIES
    if settings.prices_include_tax:
        return "Price includes tax." if sales_tax else "Price includes VAT."
    return "Plus tax, calculated at checkout." if sales_tax else "Plus VAT, added at checkout."
