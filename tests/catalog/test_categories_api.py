"""Categories: the tree, descendants in listings, guarded deletes, unique slugs."""

from __future__ import annotations

import httpx


async def test_tree_and_category_page(client: httpx.AsyncClient, make_category) -> None:
    home = await make_category(name="Home")
    kitchen = await make_category(name="Kitchen", parent=home)
    await make_category(name="Cups", parent=kitchen)
    tree = (await client.get("/api/v1/categories")).json()
    assert [c["slug"] for c in tree] == ["home"]
    assert tree[0]["children"][0]["children"][0]["slug"] == "cups"
    page = (await client.get("/api/v1/categories/kitchen")).json()
    assert [c["slug"] for c in page["breadcrumb"]] == ["home", "kitchen"]
    assert [c["slug"] for c in page["children"]] == ["cups"]
    assert (await client.get(f"/api/v1/categories/{home.id}")).json()["slug"] == "home"
    assert (await client.get("/api/v1/categories/nope")).status_code == 404


async def test_listing_a_category_includes_its_subcategories(
    client: httpx.AsyncClient, make_category, make_product
) -> None:
    home = await make_category(name="Home")
    kitchen = await make_category(name="Kitchen", parent=home)
    garden = await make_category(name="Garden")
    kettle = await make_product(name="Kettle", category=kitchen)
    sofa = await make_product(name="Sofa", category=home)
    await make_product(name="Rake", category=garden)
    for key in ("home", str(home.id)):
        listed = (await client.get("/api/v1/products", params={"category": key})).json()
        assert {p["id"] for p in listed["items"]} == {kettle.id, sofa.id}
    assert (await client.get("/api/v1/products", params={"category": "zzz"})).status_code == 404


async def test_staff_manage_categories(
    client: httpx.AsyncClient, staff_headers: dict[str, str], make_product
) -> None:
    made = await client.post("/api/v1/categories", json={"name": "Toys"}, headers=staff_headers)
    assert made.status_code == 201 and made.json()["slug"] == "toys"
    toys = made.json()["id"]
    clash = await client.post(
        "/api/v1/categories", json={"name": "Other", "slug": "toys"}, headers=staff_headers
    )
    assert clash.status_code == 409
    child = await client.post(
        "/api/v1/categories", json={"name": "Blocks", "parent_id": toys}, headers=staff_headers
    )
    blocks = child.json()["id"]
    loop = await client.patch(
        f"/api/v1/categories/{toys}", json={"parent_id": blocks}, headers=staff_headers
    )
    assert loop.status_code == 422
    has_children = await client.delete(f"/api/v1/categories/{toys}", headers=staff_headers)
    assert has_children.status_code == 409 and "subcategories" in has_children.json()["detail"]
    await client.post(
        "/api/v1/products",
        json={"name": "Cube", "price": 100, "category_id": blocks},
        headers=staff_headers,
    )
    has_products = await client.delete(f"/api/v1/categories/{blocks}", headers=staff_headers)
    assert has_products.status_code == 409 and "products" in has_products.json()["detail"]
    empty = await client.post("/api/v1/categories", json={"name": "Empty"}, headers=staff_headers)
    gone = await client.delete(f"/api/v1/categories/{empty.json()['id']}", headers=staff_headers)
    assert gone.status_code == 204
