"""A listing in the shopper's currency: the price filter is typed in it and the price
facets are shown and linked in it (the catalogue filters in the store's currency)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import httpx

from fixtures.catalog import MakeProduct
from vitrina.catalog.models import Category


def _listed(page: str) -> list[str]:
    return [n for n in ("Bowl", "Vase", "Lamp") if f">{n}<" in page]


async def test_a_price_filter_typed_in_euros_filters_what_euros_show(
    client: httpx.AsyncClient,
    make_product: MakeProduct,
    make_category: Any,
    staff_headers: dict[str, str],
) -> None:
    euros = {"rate": "0.92", "rounding": "99"}
    r = await client.put("/api/v1/currencies/eur", json=euros, headers=staff_headers)
    assert r.status_code == 200, r.text
    home: Category = await make_category(name="Home")
    for name, price in (("Bowl", 1000), ("Vase", 3000), ("Lamp", 6000)):
        await make_product(name=name, price=price, stock=5, category=home)
    listing = f"/category/{home.slug}"

    dollars = (await client.get(listing, params={"min_price": "28"})).text
    assert sorted(_listed(dollars)) == ["Lamp", "Vase"]  # $30.00 and $60.00

    client.cookies.set("vitrina_currency", "eur")
    page = unescape((await client.get(listing)).text)
    assert "€27.99" in page  # the vase, $30.00 at 0.92 with .99 endings
    # The facets in euros, converted as the prices are (the store's $25-$50 range), and
    # their links typed in euros.
    assert re.search(r"€22\.99\s*–\s*€45\.99", page), page
    assert "min_price=22.99&max_price=45.98" in page

    async def listed(**bounds: str) -> list[str]:
        return _listed((await client.get(listing, params=bounds)).text)

    assert await listed(min_price="28") == ["Lamp"]  # the vase shows €27.99: below €28
    assert sorted(await listed(min_price="27.99")) == ["Lamp", "Vase"]  # a bound keeps its own
    assert sorted(await listed(max_price="27.99")) == ["Bowl", "Vase"]
    assert await listed(max_price="27.98") == ["Bowl"]
    assert await listed(min_price="22.99", max_price="45.98") == ["Vase"]
    assert await listed(min_price="9" * 7) == []
    assert len(await listed(max_price="9" * 7)) == 3
    huge = await client.get(listing, params={"min_price": "9" * 15})
    assert huge.status_code == 200 and 'id="min_price-error"' in huge.text
