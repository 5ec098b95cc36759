"""Each account pays as one Stripe Customer: made at its first checkout, kept on the user,
reused for every later checkout, so that Stripe groups the customer's payments."""

from __future__ import annotations

from sqlalchemy import select

from vitrina.accounts.models import User


async def _stored_customer(session, user_id: int) -> str | None:
    session.expunge_all()
    return await session.scalar(select(User.stripe_customer_id).where(User.id == user_id))


async def _pay(client, emulator, headers) -> dict:
    """Check out, pay on Stripe, and come back to the success URL."""
    checkout = (await client.post("/api/v1/checkout", headers=headers)).json()
    code = (await client.get("/api/v1/basket", headers=headers)).json()["unique_code"]
    await emulator.control(
        "POST", f"checkout/sessions/{checkout['session_id']}/complete", {"outcome": "paid"}
    )
    back = await client.get(
        "/api/v1/checkout/success",
        params={"session_id": checkout["session_id"], "code": code},
        headers=headers,
    )
    assert back.status_code == 200, back.text
    return checkout


async def test_two_checkouts_share_one_customer(
    client, shopper, make_product, emulator, session
) -> None:
    user, headers = await shopper()
    tea = await make_product(name="Tea", price=900, stock=10)
    assert await _stored_customer(session, user.id) is None
    await client.put(f"/api/v1/basket/items/{tea.id}", json={"quantity": 1}, headers=headers)
    first = (await client.post("/api/v1/checkout", headers=headers)).json()
    customer_id = await _stored_customer(session, user.id)
    assert customer_id is not None and customer_id.startswith("cus_")

    await client.put(f"/api/v1/basket/items/{tea.id}", json={"quantity": 2}, headers=headers)
    second = await _pay(client, emulator, headers)
    assert second["session_id"] != first["session_id"]
    await client.put(f"/api/v1/basket/items/{tea.id}", json={"quantity": 3}, headers=headers)
    third = await _pay(client, emulator, headers)

    for made in (first, second, third):
        assert (await emulator.session(made["session_id"])).customer == customer_id
    created = await emulator.calls("/v1/customers")
    assert [c["idempotency_key"] for c in created] == [f"vitrina:customer:{user.id}"]
    charges = await emulator.stripe.v1.charges.list_async({"customer": customer_id})
    assert sorted(c.amount for c in charges.data) == sorted(
        [second["amount_total"], third["amount_total"]]
    )
    customer = await emulator.stripe.v1.customers.retrieve_async(customer_id)
    assert customer.email == user.email


async def test_a_rolled_back_checkout_gets_the_same_customer_next_time(
    client, shopper, make_product, emulator, session
) -> None:
    """Stripe fails after the Customer was made: nothing is kept on the user, and the next
    checkout gets that same Customer back through the idempotency key."""
    user, headers = await shopper()
    tea = await make_product(name="Tea", price=900, stock=10)
    await client.put(f"/api/v1/basket/items/{tea.id}", json={"quantity": 1}, headers=headers)
    await emulator.fault("500", count=2, path_prefix="/v1/checkout/sessions", method="POST")
    failed = await client.post("/api/v1/checkout", headers=headers)
    assert failed.status_code == 503, failed.text
    assert await _stored_customer(session, user.id) is None
    await emulator.clear_faults()
    retried = await client.post("/api/v1/checkout", headers=headers)
    assert retried.status_code == 200, retried.text
    customer_id = await _stored_customer(session, user.id)
    listed = await emulator.stripe.v1.customers.list_async({"email": user.email})
    assert [c.id for c in listed.data] == [customer_id]
    assert (await emulator.session(retried.json()["session_id"])).customer == customer_id


async def test_a_key_used_with_other_details_finds_the_customer_again(
    client, shopper, make_product, emulator, session
) -> None:
    """The account's details changed between two checkouts that both failed before the
    commit: Stripe refuses the key with the new details, and the store finds its Customer."""
    user, headers = await shopper()
    earlier = await emulator.stripe.v1.customers.create_async(
        {
            "email": user.email,
            "name": "The name it had then",
            "metadata": {"vitrina_user_id": str(user.id)},
        },
        {"idempotency_key": f"vitrina:customer:{user.id}"},
    )
    tea = await make_product(name="Tea", price=900, stock=10)
    await client.put(f"/api/v1/basket/items/{tea.id}", json={"quantity": 1}, headers=headers)
    checkout = await client.post("/api/v1/checkout", headers=headers)
    assert checkout.status_code == 200, checkout.text
    assert await _stored_customer(session, user.id) == earlier.id
    assert (await emulator.session(checkout.json()["session_id"])).customer == earlier.id
    created = await emulator.calls("/v1/customers")
    assert [c["status"] for c in created] == [200, 400], "the store's create was refused"
