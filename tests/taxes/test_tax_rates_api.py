"""Staff keep tax rates per country, region and tax class."""

from __future__ import annotations


async def test_staff_keep_tax_rates(client, staff_headers, customer_headers) -> None:
    r = await client.post(
        "/api/v1/tax-rates",
        json={"country": "de", "percentage": "19", "display_name": "MwSt"},
        headers=staff_headers,
    )
    assert r.status_code == 201, r.text
    standard = r.json()
    assert (standard["country"], standard["tax_class"], standard["region"]) == (
        "DE",
        "standard",
        None,
    )
    r = await client.post(
        "/api/v1/tax-rates",
        json={"country": "DE", "tax_class": "reduced", "percentage": "7", "display_name": "MwSt"},
        headers=staff_headers,
    )
    assert r.status_code == 201
    r = await client.post(
        "/api/v1/tax-rates",
        json={"country": "US", "region": "ny", "percentage": "4", "display_name": "Sales Tax"},
        headers=staff_headers,
    )
    assert r.status_code == 201 and r.json()["region"] == "NY"

    again = await client.post(
        "/api/v1/tax-rates",
        json={"country": "DE", "percentage": "16", "display_name": "MwSt"},
        headers=staff_headers,
    )
    assert again.status_code == 409
    assert again.json()["detail"] == (
        "DE already has a MwSt rate for the standard class; change that one."
    )
    for bad in ({"country": "DEU", "percentage": "19"}, {"country": "DE", "percentage": "100"}):
        assert (
            await client.post("/api/v1/tax-rates", json=bad, headers=staff_headers)
        ).status_code == 422
    r = await client.patch(
        f"/api/v1/tax-rates/{standard['id']}", json={"percentage": "19.5"}, headers=staff_headers
    )
    assert r.status_code == 200 and r.json()["percentage"] == "19.5"
    listed = (await client.get("/api/v1/tax-rates?country=DE", headers=staff_headers)).json()
    assert [(x["tax_class"], x["percentage"]) for x in listed] == [
        ("reduced", "7.0000"),
        ("standard", "19.5000"),
    ] or [(x["tax_class"], x["percentage"]) for x in listed] == [
        ("reduced", "7"),
        ("standard", "19.5"),
    ]
    assert (await client.get("/api/v1/tax-rates", headers=customer_headers)).status_code == 403
    r = await client.delete(f"/api/v1/tax-rates/{standard['id']}", headers=staff_headers)
    assert r.status_code == 204
