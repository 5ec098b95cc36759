"""A basket change in few statements: its line written once (`INSERT ... ON CONFLICT DO
UPDATE`), the line and the stock other checkouts hold read together."""

from __future__ import annotations

from vitrina.reads import recorded_statements


def _writes_to(statements: list[tuple[str, tuple[object, ...]]], table: str) -> list[str]:
    return [
        sql
        for sql, _ in statements
        if f"INSERT INTO {table}" in sql
        or f"UPDATE {table}" in sql
        or f"DELETE FROM {table}" in sql
    ]


async def test_a_basket_change_writes_its_line_once(client, shopper, make_product) -> None:
    _, headers = await shopper()
    cup = await make_product(name="Cup", price=1250, stock=5)
    plate = await make_product(name="Plate", price=900, stock=5)
    for product in (cup, plate):
        added = await client.put(
            f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=headers
        )
        assert added.status_code == 200, added.text

    with recorded_statements() as statements:
        changed = await client.put(
            f"/api/v1/basket/items/{cup.id}", json={"quantity": 3}, headers=headers
        )
    assert changed.status_code == 200, changed.text
    lines = {line["product"]["name"]: line for line in changed.json()["items"]}
    assert lines["Cup"]["quantity"] == 3 and lines["Plate"]["quantity"] == 1
    assert lines["Cup"]["product"]["available_stock"] == 5
    [line_write] = _writes_to(statements, "basket_items")
    assert "ON CONFLICT" in line_write
    read_lines = [sql for sql, _ in statements if "FROM basket_items" in sql and "SELECT" in sql]
    assert len(read_lines) == 2  # the line with what is held, then the answer's lines
    # user, basket, product, its only variant (no option values: it has none), the line and
    # what is held, the write; the answer: lines joined with their products, variants, held
    # stock and images (no option values: none), address, zones (9 on PostgreSQL, whose
    # write also stamps the basket; one more on SQLite)
    assert len(statements) <= 10, [sql for sql, _ in statements]

    with recorded_statements() as statements:
        removed = await client.put(
            f"/api/v1/basket/items/{cup.id}", json={"quantity": 0}, headers=headers
        )
    assert removed.status_code == 200, removed.text
    assert [line["product"]["name"] for line in removed.json()["items"]] == ["Plate"]
    assert len(_writes_to(statements, "basket_items")) == 1


async def test_a_change_counts_what_other_checkouts_hold(client, shopper, make_product) -> None:
    cup = await make_product(name="Cup", price=1250, stock=3)
    _, first = await shopper()
    _, second = await shopper()
    put = await client.put(f"/api/v1/basket/items/{cup.id}", json={"quantity": 2}, headers=first)
    assert put.status_code == 200, put.text
    assert (await client.post("/api/v1/checkout", headers=first)).status_code == 200

    refused = await client.put(
        f"/api/v1/basket/items/{cup.id}", json={"quantity": 2}, headers=second
    )
    assert refused.status_code == 409
    assert "Only 1" in refused.json()["detail"]
    allowed = await client.put(
        f"/api/v1/basket/items/{cup.id}", json={"quantity": 1}, headers=second
    )
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["items"][0]["product"]["available_stock"] == 1


async def test_a_line_shows_its_variants_image_else_the_products_first(
    client, shopper, make_product, session
) -> None:
    from sqlalchemy import update

    from vitrina.catalog.models import ProductImage, ProductVariant

    _, headers = await shopper()
    cup = await make_product(name="Cup", price=1250, stock=5)
    bare = await make_product(name="Bare", price=900, stock=5)
    images = [
        ProductImage(
            product_id=cup.id, path=path, content_type="image/png", width=1, height=1, position=n
        )
        for path, n in (("cup/second.png", 2), ("cup/first.png", 1), ("cup/third.png", 3))
    ]
    session.add_all(images)
    await session.commit()
    for product in (cup, bare):
        put = await client.put(
            f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=headers
        )
        assert put.status_code == 200, put.text
    shown = {i["product"]["name"]: i["product"]["image_url"] for i in put.json()["items"]}
    assert shown == {"Cup": "/media/cup/first.png", "Bare": None}

    third = next(i for i in images if i.path == "cup/third.png")
    await session.execute(
        update(ProductVariant).where(ProductVariant.product_id == cup.id).values(image_id=third.id)
    )
    await session.commit()
    answer = await client.get("/api/v1/basket", headers=headers)
    shown = {i["product"]["name"]: i["product"]["image_url"] for i in answer.json()["items"]}
    assert shown == {"Cup": "/media/cup/third.png", "Bare": None}
