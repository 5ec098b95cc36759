"""`?currency=` on the catalogue's busiest reads: prices as the basket will charge them."""

from __future__ import annotations


async def test_products_in_another_currency(client, staff_headers, make_product, enable) -> None:
    await enable("eur", "0.92", "99")
    lamp = await make_product(name="Lamp", price=4000, stock=9)
    listed = (await client.get("/api/v1/products?currency=EUR")).json()
    item = next(i for i in listed["items"] if i["id"] == lamp.id)
    assert (item["price"], item["currency"]) == (3699, "eur")
    plain = (await client.get("/api/v1/products")).json()
    assert next(i for i in plain["items"] if i["id"] == lamp.id)["price"] == 4000

    page = (await client.get(f"/api/v1/products/{lamp.id}?currency=eur")).json()
    assert (page["price"], page["currency"]) == (3699, "eur")
    variant = (await client.get(f"/api/v1/products/{lamp.id}/variants")).json()
    variant_id = (variant["variants"] if isinstance(variant, dict) else variant)[0]["id"]
    r = await client.put(
        f"/api/v1/variants/{variant_id}/prices/eur", json={"amount": 3500}, headers=staff_headers
    )
    assert r.status_code == 200
    page = (await client.get(f"/api/v1/products/{lamp.id}?currency=eur")).json()
    assert page["price"] == 3500

    for url in ("/api/v1/products?currency=gbp", f"/api/v1/products/{lamp.id}?currency=gbp"):
        r = await client.get(url)
        assert r.status_code == 422
        assert r.json()["detail"] == "This store does not sell in GBP; choose one of: USD, EUR."
    r = await client.put(
        f"/api/v1/variants/{variant_id}/prices/kwd", json={"amount": 10}, headers=staff_headers
    )
    assert (r.status_code, r.json()["detail"]) == (422, "Add KWD to the currency table first.")
