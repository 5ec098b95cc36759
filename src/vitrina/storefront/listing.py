"""Turning a listing page's query string into the catalog's ProductQuery, leniently.

Shoppers type prices in major units ("12.50") of the currency they shop in; the catalog
filters in minor units of the store's default currency (a bound is turned into the default
prices shown inside it, `Pricing.in_default`). Values that cannot be used are dropped and
reported next to their field instead of failing the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from markupsafe import Markup, escape

from vitrina.catalog.schemas import ProductQuery, ProductSort
from vitrina.currencies.pricing import Pricing
from vitrina.kit.money import minor_unit_exponent

PAGE_SIZE = 12
MAX_PRICE_MINOR = 2_000_000_000
SORTS = (
    ProductSort.NEWEST,
    ProductSort.PRICE_ASC,
    ProductSort.PRICE_DESC,
    ProductSort.NAME,
)


@dataclass
class ListingForm:
    """What the filter form shows back, and the problems with what was typed."""

    q: str = ""
    sort: str = ""
    min_price: str = ""
    max_price: str = ""
    in_stock: bool = False
    page: int = 1
    category: str = ""  # the search page's category filter (a facet's link)
    errors: dict[str, str] = field(default_factory=dict)

    def link(self, **changes: object) -> str:
        """The query string of this listing with some parameters changed."""
        values: dict[str, object] = {
            "q": self.q,
            "category": self.category,
            "sort": self.sort,
            "min_price": self.min_price,
            "max_price": self.max_price,
            "in_stock": "1" if self.in_stock else "",
        }
        values.update(changes)
        kept = {key: value for key, value in values.items() if value not in ("", None)}
        return "?" + urlencode(kept) if kept else "?"

    @property
    def filtered(self) -> bool:
        return bool(self.category or self.min_price or self.max_price or self.in_stock)


def to_minor(value: str, currency: str) -> int | None:
    """'12.50' -> 1250 for a two-decimal currency; None if it is not a usable amount."""
    try:
        amount = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0:
        return None
    minor = int(amount.scaleb(minor_unit_exponent(currency)))
    return minor if minor <= MAX_PRICE_MINOR else None


def build_query(
    *,
    pricing: Pricing,
    language: str,
    q: str = "",
    category: str | None = None,
    category_filter: str = "",
    sort: str = "",
    min_price: str = "",
    max_price: str = "",
    in_stock: str = "",
    cursor: str | None = None,
    page: int = 1,
    invalid_price: str = "Enter an amount such as 10 or 12.50.",
) -> tuple[ProductQuery, ListingForm]:
    form = ListingForm(
        q=q.strip()[:200],
        category=category_filter.strip()[:200],
        sort=sort if sort in {s.value for s in (*SORTS, ProductSort.RELEVANCE)} else "",
        min_price=min_price.strip()[:20],
        max_price=max_price.strip()[:20],
        in_stock=in_stock in ("1", "on", "true"),
        page=max(1, min(page, 10_000)),
    )
    bounds: dict[str, int | None] = {}
    for name in ("min_price", "max_price"):
        typed = getattr(form, name)
        minor = to_minor(typed, pricing.currency) if typed else None
        if typed and minor is None:
            form.errors[name] = invalid_price
        if minor is not None:
            upper = name == "max_price"
            bounds[name] = pricing.in_default(minor, upper=upper, ceiling=MAX_PRICE_MINOR - 1)
        else:
            bounds[name] = None
    query = ProductQuery.model_validate(
        {
            "q": form.q or None,
            "category": category or form.category or None,
            "sort": ProductSort(form.sort) if form.sort else None,
            "min_price": bounds["min_price"],
            "max_price": bounds["max_price"],
            "in_stock": form.in_stock,
            "cursor": cursor or None,
            "limit": PAGE_SIZE,
            # The catalog counts the matches (and groups them) on a first page when asked,
            # and names products in the shopper's language.
            "facets": not cursor,
            "lang": language,
        }
    )
    return query, form


def highlight(text: str, query: str) -> Markup:
    """`text` escaped, with each occurrence of the query's words wrapped in <mark>."""
    words = sorted({w for w in re.findall(r"\w+", query.lower()) if len(w) > 1}, key=len)
    if not words:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in reversed(words)), re.IGNORECASE)
    pieces: list[Markup] = []
    last = 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[last : match.start()]))
        pieces.append(Markup("<mark>{}</mark>").format(match.group(0)))
        last = match.end()
    pieces.append(escape(text[last:]))
    return Markup("").join(pieces)
