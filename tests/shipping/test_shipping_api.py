"""Staff manage shipping zones and methods through the API; shoppers see the options."""

from __future__ import annotations


async def test_staff_make_a_zone_with_methods(client, staff_headers, europe) -> None:
    zone = await europe()
    assert zone["name"] == "Europe"
    assert zone["countries"] == ["DE", "FR", "NL"]
    assert [m["name"] for m in zone["methods"]] == [
        "Courier",
        "Post",
        "Free delivery",
        "Pickup in Berlin",
    ]
    post = zone["methods"][1]
    assert post["kind"] == "weight" and (post["min_days"], post["max_days"]) == (3, 6)

    r = await client.patch(
        f"/api/v1/shipping/methods/{post['id']}", json={"amount": 0, "max_days": 5},
        headers=staff_headers,
    )  # fmt: skip
    assert r.status_code == 200 and r.json()["max_days"] == 5
    r = await client.patch(
        f"/api/v1/shipping/zones/{zone['id']}", json={"countries": ["AT"]}, headers=staff_headers
    )
    assert r.status_code == 200 and r.json()["countries"] == ["AT"]
    r = await client.delete(f"/api/v1/shipping/methods/{post['id']}", headers=staff_headers)
    assert r.status_code == 204
    listed = (await client.get("/api/v1/shipping/zones", headers=staff_headers)).json()
    assert [len(z["methods"]) for z in listed] == [3]
    assert (
        await client.delete(f"/api/v1/shipping/zones/{zone['id']}", headers=staff_headers)
    ).status_code == 204
    assert (await client.get("/api/v1/shipping/zones", headers=staff_headers)).json() == []


async def test_bad_zones_and_methods_are_refused_with_a_message(
    client, staff_headers, customer_headers, europe
) -> None:
    r = await client.post(
        "/api/v1/shipping/zones", json={"name": "X", "countries": ["DEU"]}, headers=staff_headers
    )
    assert r.status_code == 422
    zone = await europe()
    url = f"/api/v1/shipping/zones/{zone['id']}/methods"
    r = await client.post(url, json={"name": "Heavy", "kind": "weight"}, headers=staff_headers)
    assert r.status_code == 422 and "weight_tiers" in r.text
    r = await client.post(
        url, json={"name": "Slow", "min_days": 9, "max_days": 2}, headers=staff_headers
    )
    assert r.status_code == 422 and "min_days cannot be more than max_days" in r.text
    courier = zone["methods"][0]
    r = await client.patch(
        f"/api/v1/shipping/methods/{courier['id']}", json={"kind": "free_over"},
        headers=staff_headers,
    )  # fmt: skip
    assert r.status_code == 422
    assert r.json()["detail"] == (
        "A free_over method needs free_over, the order amount it starts at."
    )
    assert (await client.post(url, json={"name": "A"}, headers=customer_headers)).status_code == 403
    assert (
        await client.get("/api/v1/shipping/zones/999999", headers=staff_headers)
    ).status_code == 404


async def test_the_basket_shows_the_options_for_the_country_cheapest_first(
    client, shopper, make_product, europe
) -> None:
    await europe()
    _, headers = await shopper()
    lamp = await make_product(name="Lamp", price=4000, stock=9, weight_grams=700)
    await client.put(f"/api/v1/basket/items/{lamp.id}", json={"quantity": 1}, headers=headers)

    basket = (await client.get("/api/v1/basket?country=de", headers=headers)).json()
    assert basket["shipping_country"] == "DE"
    assert [(o["name"], o["amount"]) for o in basket["shipping_options"]] == [
        ("Pickup in Berlin", 200),
        ("Post", 500),
        ("Courier", 1500),
    ]
    assert basket["shipping"] == 200 and basket["total"] == 4200

    # 2 x 700 g takes the second weight tier; 80.00 is still under the free delivery
    await client.put(f"/api/v1/basket/items/{lamp.id}", json={"quantity": 2}, headers=headers)
    basket = (await client.get("/api/v1/basket?country=FR", headers=headers)).json()
    assert [o["amount"] for o in basket["shipping_options"]] == [200, 900, 1500]
    # 120.00 reaches it, and 2.1 kg is too heavy for the post
    await client.put(f"/api/v1/basket/items/{lamp.id}", json={"quantity": 3}, headers=headers)
    basket = (await client.get("/api/v1/basket?country=FR", headers=headers)).json()
    assert [(o["name"], o["amount"]) for o in basket["shipping_options"]] == [
        ("Free delivery", 0),
        ("Pickup in Berlin", 200),
        ("Courier", 1500),
    ]
    assert basket["total"] == 12000

    basket = (await client.get("/api/v1/basket?country=US", headers=headers)).json()
    assert basket["shipping_options"] == []
    assert [w["message"] for w in basket["warnings"]] == ["We do not ship to US."]
    assert (await client.get("/api/v1/basket?country=Germany", headers=headers)).status_code == 422
