"""Options and variants through the API: staff build them with the rules the database
keeps, shoppers see price ranges and the choices."""

from __future__ import annotations


async def _shirt(client, staff_headers, make_product):
    product = await make_product(name="T-shirt", price=1490, stock=4, sku="TS")
    r = await client.post(
        f"/api/v1/products/{product.id}/options",
        json={"name": "Size", "values": [{"value": "S"}, {"value": "M"}, {"value": "XL"}]},
        headers=staff_headers,
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"/api/v1/products/{product.id}/options",
        json={
            "name": "Colour",
            "name_ru": "Цвет",
            "values": [{"value": "red", "value_ru": "красный"}, {"value": "blue"}],
        },
        headers=staff_headers,
    )
    assert r.status_code == 201, r.text
    options = r.json()["options"]
    ids = {v["value"]: v["id"] for option in options for v in option["values"]}
    return product, ids


async def test_variants_are_made_checked_and_shown(client, staff_headers, make_product) -> None:
    product, ids = await _shirt(client, staff_headers, make_product)
    url = f"/api/v1/products/{product.id}/variants"
    first = await client.post(
        url,
        json={"values": [ids["S"], ids["red"]], "sku": "TS-S-RED", "price": 1490, "stock": 3},
        headers=staff_headers,
    )
    assert first.status_code == 201, first.text
    # The default variant became the first one with options: its id is the product's.
    assert [v["id"] for v in first.json()["variants"]] == [product.id]
    r = await client.post(
        url,
        json={"values": [ids["XL"], ids["blue"]], "sku": "TS-XL-BLUE", "price": 1890, "stock": 0},
        headers=staff_headers,
    )
    assert r.status_code == 201, r.text

    same = await client.post(
        url, json={"values": [ids["red"], ids["S"]], "price": 1}, headers=staff_headers
    )
    assert same.status_code == 409 and "Size: S, Colour: red" in same.json()["detail"]
    clash = await client.post(
        url,
        json={"values": [ids["M"], ids["red"]], "sku": "TS-XL-BLUE", "price": 1},
        headers=staff_headers,
    )
    assert clash.status_code == 409 and "TS-XL-BLUE" in clash.json()["detail"]
    half = await client.post(url, json={"values": [ids["M"]], "price": 1}, headers=staff_headers)
    assert half.status_code == 422 and "Size, Colour" in half.json()["detail"]
    two_sizes = await client.post(
        url, json={"values": [ids["M"], ids["S"]], "price": 1}, headers=staff_headers
    )
    assert two_sizes.status_code == 422

    # A value in use cannot go, and the refusal names who uses it.
    size = next(o for o in first.json()["options"] if o["name"] == "Size")
    gone = await client.delete(
        f"/api/v1/products/{product.id}/options/{size['id']}/values/{ids['XL']}",
        headers=staff_headers,
    )
    assert gone.status_code == 409
    assert "TS-XL-BLUE (Size: XL, Colour: blue)" in gone.json()["detail"]
    unused = await client.delete(
        f"/api/v1/products/{product.id}/options/{size['id']}/values/{ids['M']}",
        headers=staff_headers,
    )
    assert unused.status_code == 200, unused.text
    late = await client.post(
        f"/api/v1/products/{product.id}/options",
        json={"name": "Fit", "values": [{"value": "slim"}]},
        headers=staff_headers,
    )
    assert late.status_code == 409

    # The page: a price range, availability across variants, the choices in the language.
    page = (await client.get(f"/api/v1/products/{product.id}?lang=ru")).json()
    assert (page["price"], page["price_max"], page["stock"], page["in_stock"]) == (
        1490,
        1890,
        3,
        True,
    )
    assert page["sku"] is None
    assert [o["name"] for o in page["options"]] == ["Size", "Цвет"]
    assert [(v["sku"], v["options"], v["choice"]) for v in page["variants"]] == [
        ("TS-S-RED", "Size: S, Цвет: красный", {"size": "s", "colour": "red"}),
        ("TS-XL-BLUE", "Size: XL, Цвет: blue", {"size": "xl", "colour": "blue"}),
    ]
    listed = (await client.get("/api/v1/products")).json()["items"]
    assert [(i["price"], i["price_max"]) for i in listed] == [(1490, 1890)]

    # The product's own price and stock belong to its variants now.
    r = await client.patch(
        f"/api/v1/products/{product.id}", json={"price": 999}, headers=staff_headers
    )
    assert r.status_code == 422 and "variants" in r.json()["detail"]
    r = await client.patch(
        f"/api/v1/products/{product.id}/variants/{product.id}",
        json={"price": 990, "is_active": True},
        headers=staff_headers,
    )
    assert r.status_code == 200, r.text
    page = (await client.get(f"/api/v1/products/{product.id}")).json()
    assert (page["price"], page["price_max"]) == (990, 1890)


async def test_a_one_variant_product_is_edited_as_before(
    client, staff_headers, make_product
) -> None:
    product = await make_product(name="Mug", price=1200, stock=2, sku="MUG")
    r = await client.patch(
        f"/api/v1/products/{product.id}",
        json={"price": 1300, "stock": 5, "sku": "MUG-1"},
        headers=staff_headers,
    )
    assert r.status_code == 200, r.text
    shown = (await client.get(f"/api/v1/products/{product.id}/variants")).json()
    assert shown["options"] == []
    assert [(v["sku"], v["price"], v["stock"]) for v in shown["variants"]] == [("MUG-1", 1300, 5)]
    r = await client.post(
        f"/api/v1/products/{product.id}/stock", json={"delta": -2}, headers=staff_headers
    )
    assert r.status_code == 200 and r.json()["stock"] == 3
    shown = (await client.get(f"/api/v1/products/{product.id}/variants")).json()
    assert shown["variants"][0]["stock"] == 3
    # Another product cannot take a variant's SKU.
    other = await make_product(name="Bowl")
    r = await client.patch(
        f"/api/v1/products/{other.id}", json={"sku": "MUG-1"}, headers=staff_headers
    )
    assert r.status_code == 409
    last = await client.delete(
        f"/api/v1/products/{product.id}/variants/{shown['variants'][0]['id']}",
        headers=staff_headers,
    )
    assert last.status_code == 422


async def test_filter_by_option_values_with_counts(client, staff_headers, make_product) -> None:
    product, ids = await _shirt(client, staff_headers, make_product)
    url = f"/api/v1/products/{product.id}/variants"
    for values, sku, stock in (
        (["S", "red"], "S-RED", 2),
        (["M", "blue"], "M-BLUE", 0),
        (["XL", "red"], "XL-RED", 1),
    ):
        r = await client.post(
            url,
            json={"values": [ids[v] for v in values], "sku": sku, "price": 1000, "stock": stock},
            headers=staff_headers,
        )
        assert r.status_code == 201, r.text
    plain = await make_product(name="Mug")

    async def listed(query: str) -> list[int]:
        r = await client.get(f"/api/v1/products?{query}")
        assert r.status_code == 200, r.text
        return [item["id"] for item in r.json()["items"]]

    assert await listed("size=M") == [product.id]
    assert await listed("size=m&colour=Blue") == [product.id]
    assert await listed("size=M&colour=red") == []  # no one variant is both
    assert await listed("size=M&in_stock=true") == []  # M's only variant is sold out
    assert await listed("size=XXL") == []
    assert sorted(await listed("utm_source=mail")) == sorted([product.id, plain.id])

    body = (await client.get("/api/v1/products?facets=true")).json()
    assert body["total"] == 2
    assert [(f["option"], f["value"], f["count"]) for f in body["facets"]["options"]] == [
        ("colour", "blue", 1),
        ("colour", "red", 1),
        ("size", "m", 1),
        ("size", "s", 1),
        ("size", "xl", 1),
    ]


async def test_generate_every_combination(client, staff_headers, make_product) -> None:
    product, _ = await _shirt(client, staff_headers, make_product)
    url = f"/api/v1/products/{product.id}/variants/generate"
    r = await client.post(url, json={"price": 1990, "stock": 1}, headers=staff_headers)
    assert r.status_code == 201, r.text
    variants = r.json()["variants"]
    assert len(variants) == 6 and {v["price"] for v in variants} == {1990}
    assert variants[0]["id"] == product.id  # the default variant became the first
    again = await client.post(url, json={}, headers=staff_headers)
    assert len(again.json()["variants"]) == 6
    bare = await make_product(name="Plain")
    r = await client.post(
        f"/api/v1/products/{bare.id}/variants/generate", json={}, headers=staff_headers
    )
    assert r.status_code == 422


async def test_bulk_price_and_stock_edit_is_all_or_nothing(
    client, staff_headers, make_product
) -> None:
    product, _ = await _shirt(client, staff_headers, make_product)
    made = await client.post(
        f"/api/v1/products/{product.id}/variants/generate", json={}, headers=staff_headers
    )
    ids = [v["id"] for v in made.json()["variants"]]
    url = f"/api/v1/products/{product.id}/variants"
    r = await client.patch(
        url,
        json={"variants": [{"id": i, "price": 2000 + n, "stock": n} for n, i in enumerate(ids)]},
        headers=staff_headers,
    )
    assert r.status_code == 200, r.text
    assert [(v["price"], v["stock"]) for v in r.json()["variants"]] == [
        (2000 + n, n) for n in range(6)
    ]
    page = (await client.get(f"/api/v1/products/{product.id}")).json()
    assert (page["price"], page["price_max"], page["stock"]) == (2000, 2005, 15)
    other = await make_product(name="Other")
    others = (await client.get(f"/api/v1/products/{other.id}/variants")).json()["variants"]
    refused = await client.patch(
        url,
        json={"variants": [{"id": ids[0], "stock": 99}, {"id": others[0]["id"], "stock": 1}]},
        headers=staff_headers,
    )
    assert refused.status_code == 404
    shown = (await client.get(url)).json()["variants"]
    assert shown[0]["stock"] == 0  # nothing of the refused request stayed


async def test_a_product_with_variants_never_sold_can_be_deleted(
    client, staff_headers, make_product
) -> None:
    product, _ = await _shirt(client, staff_headers, make_product)
    made = await client.post(
        f"/api/v1/products/{product.id}/variants/generate", json={}, headers=staff_headers
    )
    assert made.status_code == 201
    gone = await client.delete(f"/api/v1/products/{product.id}", headers=staff_headers)
    assert gone.status_code == 204, gone.text
    assert (await client.get(f"/api/v1/products/{product.id}")).status_code == 404
