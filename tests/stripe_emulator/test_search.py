"""`/v1/products/search`, `/v1/prices/search`, `/v1/customers/search`: Stripe's search query
language through the SDK's `search` (sync and async), its pagination and its errors."""

from __future__ import annotations

import pytest
import stripe

from .conftest import SDK


async def _catalog(sdk: SDK) -> dict[str, stripe.Product]:
    products = sdk.client.v1.products
    made = {}
    for name, sku, active in (
        ("Green tea", "TEA-1", True),
        ("Black tea", "TEA-2", True),
        ('The "Big" mug', "MUG-1", False),
    ):
        made[sku] = await sdk(
            products.create,
            {
                "name": name,
                "active": active,
                "metadata": {"sku": sku, "shelf": "A" if sku != "MUG-1" else "B"},
                "default_price_data": {"currency": "usd", "unit_amount": 500},
            },
        )
    return made


async def _ids(sdk: SDK, query: str) -> set[str]:
    found = await sdk(sdk.client.v1.products.search, {"query": query})
    assert found.object == "search_result" and found.url == "/v1/products/search"
    return {p.id for p in found.data}


async def test_product_clauses_operators_and_quoting(sdk: SDK) -> None:
    made = await _catalog(sdk)
    green, black, mug = made["TEA-1"].id, made["TEA-2"].id, made["MUG-1"].id
    assert await _ids(sdk, "metadata['sku']:'MUG-1'") == {mug}
    assert await _ids(sdk, 'metadata["shelf"]:"A"') == {green, black}
    assert await _ids(sdk, "name:'green tea'") == {green}, "exact match ignores case"
    assert await _ids(sdk, "name~'tea'") == {green, black}
    assert await _ids(sdk, r"name:'The \"Big\" mug'") == {mug}
    assert await _ids(sdk, "active:'true' AND metadata['shelf']:'A'") == {green, black}
    assert await _ids(sdk, "active:'false' OR metadata['sku']:'TEA-2'") == {mug, black}
    assert await _ids(sdk, "-metadata['sku']:'TEA-1' metadata['shelf']:'A'") == {black}
    assert await _ids(sdk, "active:false") == {mug}
    assert await _ids(sdk, "description:null") == {green, black, mug}
    assert await _ids(sdk, "metadata['colour']:null") == {green, black, mug}
    assert await _ids(sdk, "name:'tea'") == set(), "':' is not a substring match"


async def test_price_and_customer_fields(sdk: SDK) -> None:
    made = await _catalog(sdk)
    price_id = str(made["TEA-1"].default_price)
    await sdk(sdk.client.v1.prices.update, price_id, {"lookup_key": "green-tea-500"})
    prices = await sdk(
        sdk.client.v1.prices.search,
        {"query": f"product:'{made['TEA-1'].id}' AND currency:'usd' AND type:'one_time'"},
    )
    assert [p.id for p in prices.data] == [price_id]
    by_key = await sdk(sdk.client.v1.prices.search, {"query": "lookup_key~'green'"})
    assert [p.id for p in by_key.data] == [price_id]
    customers = sdk.client.v1.customers
    ann = await sdk(customers.create, {"email": "ann@example.com", "name": "Ann Lee"})
    await sdk(customers.create, {"email": "bob@example.org", "phone": "+3712000000"})
    found = await sdk(customers.search, {"query": "email~'example.com'"})
    assert [c.id for c in found.data] == [ann.id]
    newer = await sdk(customers.search, {"query": f"created>={ann.created} AND name:'ann lee'"})
    assert [c.id for c in newer.data] == [ann.id]
    older = await sdk(customers.search, {"query": f"created<{ann.created}"})
    assert older.data == []


async def test_pages_follow_next_page(sdk: SDK) -> None:
    customers = sdk.client.v1.customers
    made = [await sdk(customers.create, {"email": f"c{i}@shop.test"}) for i in range(5)]
    first = await sdk(customers.search, {"query": "email~'shop.test'", "limit": 2})
    assert (len(first.data), first.has_more) == (2, True)
    assert first.next_page
    assert [c.id for c in first.data] == [made[4].id, made[3].id], "newest first"
    everything = await sdk.every(first)
    assert [c.id for c in everything] == [c.id for c in reversed(made)]
    counted = await sdk(
        customers.search, {"query": "email~'shop.test'", "limit": 1, "expand": ["total_count"]}
    )
    assert counted.total_count == 5 and len(counted.data) == 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("sku:'MUG-1'", "Field `sku` is an unsupported search field for resource `products`"),
        ("metadata['sku']='MUG-1'", "We were unable to parse your search query"),
        ("name:tea", "We were unable to parse your search query"),
        ("name:'a' AND active:'true' OR url:'x'", "cannot combine `AND` and `OR`"),
        ("name~'te'", "at least 3 characters"),
        ("name>'tea'", "can only be used on numeric fields"),
        ("active~'true'", "can only be used on string fields"),
        ("name:'a' AND", "We were unable to parse your search query"),
        (" AND ".join(f"name:'{i}'" for i in range(11)), "at most 10 clauses"),
        ("metadata:'x'", "Field `metadata` is an unsupported search field"),
    ],
)
async def test_bad_queries_are_refused_as_stripe_refuses_them(
    sdk: SDK, query: str, message: str
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await sdk(sdk.client.v1.products.search, {"query": query})
    assert refused.value.http_status == 400
    assert refused.value.param == "query"
    assert message in str(refused.value.user_message)


async def test_bad_page_and_missing_query(sdk: SDK) -> None:
    customers = sdk.client.v1.customers
    with pytest.raises(stripe.InvalidRequestError) as bad_page:
        await sdk(customers.search, {"query": "email~'shop'", "page": "not-a-token"})
    assert bad_page.value.param == "page"
    await sdk(customers.create, {"email": "a@shop.test"})
    await sdk(customers.create, {"email": "b@shop.test"})
    first = await sdk(customers.search, {"query": "email~'shop'", "limit": 1})
    with pytest.raises(stripe.InvalidRequestError) as other_query:
        await sdk(customers.search, {"query": "email~'test'", "page": first.next_page})
    assert other_query.value.param == "page"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        await sdk(customers.search, {"query": "  "})
    assert missing.value.code == "parameter_missing"


async def test_search_expands_its_items(sdk: SDK) -> None:
    await _catalog(sdk)
    found = await sdk(
        sdk.client.v1.products.search,
        {"query": "metadata['sku']:'TEA-1'", "expand": ["data.default_price"]},
    )
    assert isinstance(found.data[0].default_price, stripe.Price)
    with pytest.raises(stripe.InvalidRequestError):
        await sdk(sdk.client.v1.products.list, {"expand": ["total_count"]})
