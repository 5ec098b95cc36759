"""Staff resolve flagged orders with a note; a short order cancels back only what it took."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from orders.conftest import ArrangeCheckout, Emulator, MakePaidOrder, stock_of
from vitrina.accounts.models import User
from vitrina.catalog import service as catalog_service
from vitrina.db import db_helper
from vitrina.payments.fulfilment import fulfil_checkout_session


async def test_staff_resolve_a_flag_with_a_note_kept_in_the_history(
    client: httpx.AsyncClient,
    customer: User,
    staff: User,
    staff_headers: dict[str, str],
    customer_headers: dict[str, str],
    make_product,
    make_paid_order: MakePaidOrder,
) -> None:
    product = await make_product(price=1000, stock=10)
    flagged, _ = await make_paid_order(customer, [(product, 1)], amount_total_override=1)
    plain, _ = await make_paid_order(customer, [(product, 1)])
    url = f"/api/v1/staff/orders/{flagged.id}/review"

    async def flagged_ids() -> list[int]:
        listing = await client.get(
            "/api/v1/staff/orders", params={"flagged": "true"}, headers=staff_headers
        )
        assert listing.status_code == 200, listing.text
        return [o["id"] for o in listing.json()["items"]]

    assert await flagged_ids() == [flagged.id]
    refused = await client.post(url, json={"note": "Looks fine"}, headers=customer_headers)
    assert refused.status_code == 403
    blank = await client.post(url, json={"note": "   "}, headers=staff_headers)
    assert blank.status_code == 422

    resolved = await client.post(
        url, json={"note": "Checked in Stripe: test override."}, headers=staff_headers
    )
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert body["needs_review"] is False and body["review_reason"] is None
    last = body["events"][-1]
    assert last["kind"] == "review_resolved"
    assert last["actor_id"] == staff.id
    assert last["note"] == "Checked in Stripe: test override."
    assert "differs from the store's total" in last["data"]["review_reason"]
    assert await flagged_ids() == []

    again = await client.post(url, json={"note": "twice"}, headers=staff_headers)
    assert again.status_code == 409
    assert again.json()["detail"] == "This order is not flagged for review."
    not_flagged = await client.post(
        f"/api/v1/staff/orders/{plain.id}/review", json={"note": "x"}, headers=staff_headers
    )
    assert not_flagged.status_code == 409
    missing = await client.post(
        "/api/v1/staff/orders/999999/review", json={"note": "x"}, headers=staff_headers
    )
    assert missing.status_code == 404


async def test_cancelling_a_short_order_returns_only_the_stock_it_took(
    client: httpx.AsyncClient,
    session: AsyncSession,
    customer: User,
    staff_headers: dict[str, str],
    auth_headers: Callable[[User], dict[str, str]],
    make_product,
    arrange_checkout: ArrangeCheckout,
    emulator: Emulator,
) -> None:
    mug = await make_product(name="Mug", price=1500, stock=5)
    bowl = await make_product(name="Bowl", price=2000, stock=4)
    arranged = await arrange_checkout(customer, [(mug, 5), (bowl, 1)], shipping=0)
    await catalog_service.set_stock(session, mug, 2, "sold elsewhere meanwhile")
    await session.commit()

    await emulator.complete(arranged.session_id, "paid")
    async with db_helper.session_factory() as own:
        order = await fulfil_checkout_session(own, arranged.session_id)
        await own.commit()
    assert order is not None
    assert (await stock_of(session, mug.id), await stock_of(session, bowl.id)) == (0, 3)

    detail = await client.get(f"/api/v1/staff/orders/{order.id}", headers=staff_headers)
    assert detail.json()["needs_review"] is True
    shortfall = [e for e in detail.json()["events"] if e["kind"] == "stock_shortfall"]
    assert shortfall and shortfall[0]["data"]["stock_taken"] == {str(mug.id): 2, str(bowl.id): 1}

    cancelled = await client.post(
        f"/api/v1/staff/orders/{order.id}/status",
        json={"status": "cancelled"},
        headers=staff_headers,
    )
    assert cancelled.status_code == 200, cancelled.text
    assert (await stock_of(session, mug.id), await stock_of(session, bowl.id)) == (2, 4)
    last = cancelled.json()["events"][-1]
    assert last["data"]["stock_returned"] == {str(mug.id): 2, str(bowl.id): 1}
