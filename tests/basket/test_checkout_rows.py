"""Checkout reads its lines and locks its variants as plain rows, and remembers the account's
Stripe Customer with one prebuilt UPDATE: the same statements, in the same order, as when
they were ORM objects and an ORM flush."""

from __future__ import annotations

from sqlalchemy import select, update

from vitrina.accounts.models import User
from vitrina.catalog.models import ProductVariant
from vitrina.reads import recorded_statements


def _index(statements: list[tuple[str, tuple[object, ...]]], *parts: str) -> list[int]:
    return [n for n, (sql, _) in enumerate(statements) if all(p in sql for p in parts)]


async def _stored(session, user_id: int) -> tuple[str | None, str | None]:
    session.expunge_all()
    row = (
        await session.execute(
            select(User.stripe_customer_id, User.stripe_customer_digest).where(User.id == user_id)
        )
    ).one()
    return row[0], row[1]


async def test_a_new_session_locks_the_variants_after_the_customer_is_remembered(
    client, shopper, make_product, emulator, session
) -> None:
    user, headers = await shopper()
    cup = await make_product(name="Cup", price=1250, stock=5)
    plate = await make_product(name="Plate", price=900, stock=5)
    for product in (plate, cup):
        added = await client.put(
            f"/api/v1/basket/items/{product.id}", json={"quantity": 2}, headers=headers
        )
        assert added.status_code == 200, added.text

    with recorded_statements() as statements:
        opened = await client.post("/api/v1/checkout", headers=headers)
    assert opened.status_code == 200, opened.text

    [lines] = _index(statements, "FROM basket_items")
    [customer] = _index(statements, "UPDATE users")
    read, locked = _index(statements, "SELECT product_variants.id", "FROM product_variants")
    reserve = _index(statements, "INSERT INTO stock_reservations")[0]
    assert lines < read < customer < locked < reserve
    if session.get_bind().dialect.name == "postgresql":  # SQLite serialises writers itself
        sql, parameters = statements[locked]
        assert sql.endswith("FOR UPDATE OF product_variants")
        variant_ids = (await session.scalars(select(ProductVariant.id))).all()
        assert list(parameters[0]) == sorted(variant_ids)  # every line's variant, by id
    customer_id, digest = await _stored(session, user.id)
    assert customer_id is not None and customer_id.startswith("cus_") and digest
    assert (await emulator.session(opened.json()["session_id"])).customer == customer_id
    made = await emulator.calls("/v1/checkout/sessions")
    sent = made[0]["params"]["line_items"]  # form-encoded: {"0": {...}, "1": {...}}
    items = list(sent.values()) if isinstance(sent, dict) else sent
    assert [int(item["quantity"]) for item in items] == [2, 2]


async def test_a_changed_profile_is_sent_to_stripe_and_its_digest_written_once(
    client, shopper, make_product, emulator, session
) -> None:
    user, headers = await shopper()
    tea = await make_product(name="Tea", price=900, stock=10)
    await client.put(f"/api/v1/basket/items/{tea.id}", json={"quantity": 1}, headers=headers)
    first = await client.post("/api/v1/checkout", headers=headers)
    assert first.status_code == 200, first.text
    customer_id, digest = await _stored(session, user.id)

    # The same account again: nothing to tell Stripe, nothing written to the account.
    await client.put(f"/api/v1/basket/items/{tea.id}", json={"quantity": 2}, headers=headers)
    with recorded_statements() as statements:
        again = await client.post("/api/v1/checkout", headers=headers)
    assert again.status_code == 200, again.text
    assert _index(statements, "UPDATE users") == []
    assert await emulator.calls(f"/v1/customers/{customer_id}") == []

    await session.execute(update(User).where(User.id == user.id).values(full_name="Ada Tea"))
    await session.commit()
    await client.put(f"/api/v1/basket/items/{tea.id}", json={"quantity": 3}, headers=headers)
    with recorded_statements() as statements:
        changed = await client.post("/api/v1/checkout", headers=headers)
    assert changed.status_code == 200, changed.text
    assert len(_index(statements, "UPDATE users")) == 1
    [sent] = await emulator.calls(f"/v1/customers/{customer_id}")
    assert sent["params"]["name"] == "Ada Tea"
    stored_id, new_digest = await _stored(session, user.id)
    assert stored_id == customer_id and new_digest not in (None, digest)


async def test_a_variant_with_less_stock_than_the_basket_holds_is_refused(
    client, shopper, make_product, emulator, session
) -> None:
    """What is checked is the variant as read under its lock, as it is now."""
    _, headers = await shopper()
    cup = await make_product(name="Cup", price=1250, stock=5)
    await client.put(f"/api/v1/basket/items/{cup.id}", json={"quantity": 3}, headers=headers)
    await session.execute(
        update(ProductVariant).where(ProductVariant.product_id == cup.id).values(stock=2)
    )
    await session.commit()
    refused = await client.post("/api/v1/checkout", headers=headers)
    assert refused.status_code == 409, refused.text
    assert "Only 2 of “Cup” left in stock; you have 3." in refused.text
    assert await emulator.calls("/v1/checkout/sessions") == []
