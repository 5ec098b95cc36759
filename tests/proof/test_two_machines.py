"""More than one machine: two store processes and two sync workers on one PostgreSQL keep the
purchase invariants: no oversell across processes, one order per payment whichever process
hears of it and however often, and one Stripe product per local product."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select

from fixtures.processes import machines
from vitrina.basket.models import CheckoutSession, StockReservation
from vitrina.catalog.models import Product
from vitrina.db import db_helper
from vitrina.orders.models import Order
from vitrina.payments.client import webhook_secret

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow, pytest.mark.timeout(300)]

STOCK = 3
CUSTOMERS = 12


async def _scalar(query):
    """A fresh session per read: the store processes commit behind the test's back."""
    async with db_helper.session_factory() as fresh:
        return await fresh.scalar(query)


async def _eventually(check, seconds: float = 60.0, interval: float = 0.3):
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(interval)


async def test_two_stores_two_workers_keep_purchase_invariants(
    client, settings, stripe_emulator, make_user, auth_headers, make_product, tmp_path
):
    product = await make_product(name="Two-machine lamp", price=4200, stock=STOCK)
    customers = []
    for _ in range(CUSTOMERS):
        user = await make_user()
        headers = auth_headers(user)
        put = await client.put(
            f"/api/v1/basket/items/{product.id}", json={"quantity": 1}, headers=headers
        )
        assert put.status_code == 200, put.text
        customers.append((user, headers))

    with machines(settings, tmp_path) as running:
        a, b = running.stores
        async with httpx.AsyncClient(timeout=60) as http:
            # No oversell: every customer checks out at once, alternately on each process.
            answers = await asyncio.gather(
                *(
                    http.post(f"{running.stores[i % 2]}/api/v1/checkout", headers=headers)
                    for i, (_, headers) in enumerate(customers)
                )
            )
            statuses = Counter(r.status_code for r in answers)
            assert statuses == {200: STOCK, 409: CUSTOMERS - STOCK}, [r.text for r in answers]
            reserved = await _scalar(
                select(func.sum(StockReservation.quantity)).where(
                    StockReservation.product_id == product.id
                )
            )
            assert reserved == STOCK

            # One order per payment: pay one session, then tell both processes at once,
            # several times each, by webhook and by the customer's return to the success URL.
            winner = next(i for i, r in enumerate(answers) if r.status_code == 200)
            session_id = answers[winner].json()["session_id"]
            headers = customers[winner][1]
            await asyncio.to_thread(stripe_emulator.complete_session, session_id)
            stripe = stripe_emulator.client()
            events = await asyncio.to_thread(
                stripe.v1.events.list, {"type": "checkout.session.completed", "limit": 100}
            )
            event = next(e for e in events.data if e.data.object["id"] == session_id)
            body, signature = await asyncio.to_thread(
                stripe_emulator.signed_event, event.id, webhook_secret(settings)
            )
            code = await _scalar(
                select(CheckoutSession.unique_code).where(CheckoutSession.id == session_id)
            )
            webhook_headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
            deliveries = [
                http.post(f"{base}/api/v1/stripe/webhook", content=body, headers=webhook_headers)
                for base in (a, b, a, b, a, b)
            ]
            returns = [
                http.get(
                    f"{base}/api/v1/checkout/success",
                    params={"session_id": session_id, "code": code},
                    headers=headers,
                )
                for base in (a, b)
            ]
            replies = await asyncio.gather(*deliveries, *returns)
            assert [r.status_code for r in replies] == [200] * len(replies), [
                r.text for r in replies
            ]
            order_ids = {r.json()["id"] for r in replies[len(deliveries) :]}
            assert len(order_ids) == 1

            orders = await _scalar(
                select(func.count()).select_from(Order).where(Order.stripe_session_id == session_id)
            )
            assert orders == 1
            stock = await _scalar(select(Product.stock).where(Product.id == product.id))
            assert stock == STOCK - 1
            still_reserved = await _scalar(
                select(func.count())
                .select_from(StockReservation)
                .where(StockReservation.checkout_session_id == session_id)
            )
            assert still_reserved == 0

        # Two workers racing to push the product to Stripe create it once.
        async def synced() -> bool:
            row = await _scalar(select(Product).where(Product.id == product.id))
            return (
                row is not None
                and row.stripe_id is not None
                and (row.synced_version >= row.sync_version)
            )

        assert await _eventually(synced), "the workers never synced the product"
        listed = await asyncio.to_thread(stripe.v1.products.list, {"limit": 100})
        # Checkouts made before the sync carry ad hoc (inactive) products; the catalog's own
        # product is the one active product for this local id, made once by the two workers.
        ours = [
            p
            for p in listed.data
            if p.active and p.metadata.to_dict().get("vitrina_product_id") == str(product.id)
        ]
        stripe_id = await _scalar(select(Product.stripe_id).where(Product.id == product.id))
        assert [p.id for p in ours] == [stripe_id]
