"""The seed's coupon classes are percent-off: an amount-off coupon is refused with a 422
rather than made or changed wrongly; deleting one the store made still works."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from stripe import StripeClient

from payments.conftest import drain
from vitrina.errors import Unprocessable
from vitrina.payments.seed_items import (
    CreateDiscountCoupon,
    DeleteDiscountCoupon,
    UpdateDiscountCoupon,
)

FAR = 8043214523
pytestmark = pytest.mark.usefixtures("sync_app")


async def test_amount_coupons_are_refused_by_the_seed_classes(
    client: httpx.AsyncClient, staff_headers: dict[str, str], stripe_client: StripeClient
) -> None:
    with pytest.raises(Unprocessable) as refused:
        await CreateDiscountCoupon(dict(id=7, number="FIVE", amount_off=500, end_at=FAR)).action()
    assert refused.value.status_code == 422
    assert "percent-off coupons (`discount`) only" in str(refused.value.detail)
    assert stripe_client.v1.coupons.list().data == []

    r = await client.post(
        "/api/v1/coupons",
        json={"number": "FIVE", "amount_off": 500, "end_at": FAR},
        headers=staff_headers,
    )
    made: dict[str, Any] = r.json()
    await drain()
    with pytest.raises(Unprocessable):
        await UpdateDiscountCoupon(dict(id=made["id"], number="SIX")).action()
    remote = stripe_client.v1.coupons.list().data
    assert [(c.amount_off, c.currency) for c in remote] == [(500, "usd")]
    assert [c.code for c in stripe_client.v1.promotion_codes.list({"active": True}).data] == [
        "FIVE"
    ]

    await DeleteDiscountCoupon(dict(id=made["id"])).action()
    assert stripe_client.v1.coupons.list().data == []
    assert stripe_client.v1.promotion_codes.list({"active": True}).data == []
