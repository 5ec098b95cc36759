"""Staff set up zones and methods in the admin, prices in major units."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from admin.helpers import admin_login, admin_post
from vitrina.shipping.models import MethodKind, ShippingMethod, ShippingZone


async def test_a_zone_and_a_weight_method_made_in_the_admin(client, staff, session) -> None:
    await admin_login(client, staff)
    created = await admin_post(
        client,
        "/admin/shipping-zone/create",
        data={"name": "Nordics", "countries": "se, no;FI", "position": "0", "is_active": "y"},
    )
    assert created.status_code == 302, created.text[:3000]
    zone = await session.scalar(select(ShippingZone).where(ShippingZone.name == "Nordics"))
    assert zone is not None and zone.countries == ["SE", "NO", "FI"]

    form = await client.get("/admin/shipping-method/create")
    assert form.status_code == 200 and "Nordics" in form.text
    bad = await admin_post(
        client,
        "/admin/shipping-method/create",
        data={"zone_id": str(zone.id), "name": "Post", "kind": "weight", "weight_tiers": ""},
    )
    assert bad.status_code == 400 and "weight_tiers" in bad.text
    made = await admin_post(
        client,
        "/admin/shipping-method/create",
        data={
            "zone_id": str(zone.id),
            "name": "Post",
            "kind": "weight",
            "amount": "0",
            "weight_tiers": "1000 = 5.50\n5000 = 12.00",
            "min_days": "2",
            "max_days": "5",
            "position": "0",
            "is_active": "y",
        },
    )
    assert made.status_code == 302, made.text[:3000]
    method = await session.scalar(select(ShippingMethod).where(ShippingMethod.zone_id == zone.id))
    assert method is not None and method.kind is MethodKind.WEIGHT
    assert method.weight_tiers == [
        {"up_to_grams": 1000, "amount": 550},
        {"up_to_grams": 5000, "amount": 1200},
    ]
    listed = await client.get("/admin/shipping-method/list")
    assert "By weight" in listed.text and "Post" in listed.text
    zones = await session.scalars(select(ShippingZone).options(selectinload(ShippingZone.methods)))
    assert [len(z.methods) for z in zones] == [1]
