"""The fixed rate table behind `automatic_tax` (Stripe Tax itself is a live service).

One standard rate per country (VAT/GST/consumption tax), and for the United States one
state-level sales-tax rate per state (no local surcharges); any other country or state is
0 % (no tax: "not registered there"). docs/stripe-emulator.md prints the same table.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

COUNTRY_RATES: dict[str, str] = {
    "AT": "20", "AU": "10", "BE": "21", "BG": "20", "CA": "5", "CH": "8.1", "CY": "19",
    "CZ": "21", "DE": "19", "DK": "25", "EE": "22", "ES": "21", "FI": "25.5", "FR": "20",
    "GB": "20", "GR": "24", "HR": "25", "HU": "27", "IE": "23", "IN": "18", "IT": "22",
    "JP": "10", "KZ": "12", "LT": "21", "LU": "17", "LV": "21", "MT": "18", "NL": "21",
    "NO": "25", "NZ": "15", "PL": "23", "PT": "23", "RO": "19", "RU": "20", "SE": "25",
    "SG": "9", "SI": "22", "SK": "23",
}  # fmt: skip
"""Standard rates in percent (the general rate of each country's VAT or GST)."""

US_STATE_RATES: dict[str, str] = {
    "AZ": "5.6", "CA": "7.25", "CO": "2.9", "CT": "6.35", "FL": "6", "GA": "4", "IL": "6.25",
    "MA": "6.25", "MI": "6", "MN": "6.875", "NC": "4.75", "NJ": "6.625", "NY": "4", "OH": "5.75",
    "PA": "6", "TN": "7", "TX": "6.25", "VA": "5.3", "WA": "6.5",
}  # fmt: skip
"""State sales-tax rates in percent; other states (OR, MT, NH, DE, AK, ...) are 0 %."""

_TAX_TYPES = {
    "US": "sales_tax", "AU": "gst", "CA": "gst", "IN": "gst", "NZ": "gst", "SG": "gst",
    "JP": "jct",
}  # fmt: skip
_NAMES = {"sales_tax": "Sales Tax", "gst": "GST", "jct": "JCT", "vat": "VAT"}


@dataclass(frozen=True)
class TableRate:
    percentage: Decimal
    country: str
    state: str | None
    tax_type: str
    jurisdiction_level: str

    @property
    def display_name(self) -> str:
        return _NAMES[self.tax_type]


def rate_for(country: str, state: str | None) -> TableRate | None:
    """The rate for an address, or None where the table has no tax (0 %)."""
    if country == "US":
        found = US_STATE_RATES.get((state or "").upper())
        if found is None:
            return None
        return TableRate(Decimal(found), "US", (state or "").upper(), "sales_tax", "state")
    found = COUNTRY_RATES.get(country)
    if found is None:
        return None
    return TableRate(Decimal(found), country, None, _TAX_TYPES.get(country, "vat"), "country")
