"""What checkout gets from the accounts: the account (as its Stripe Customer), and the default
address in Stripe's shape, the `shipping` a Customer carries."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from fixtures.accounts import MakeUser
from vitrina.accounts import addresses
from vitrina.accounts.schemas import AddressIn
from vitrina.payments.checkout_session import StripeSession


async def test_checkout_session_names_the_accounts_customer(
    make_user: MakeUser, make_product
) -> None:
    user = await make_user(email="anna@example.com")
    product = await make_product(name="Teapot", price=50000, stock=3)
    request = StripeSession(user=user, products=[product], unique_code="abc123")
    created = await request.get_session_payments_async()
    found = await request.client.v1.checkout.sessions.retrieve_async(created.id)
    assert isinstance(found.customer, str)
    customer = await request.client.v1.customers.retrieve_async(found.customer)
    assert customer.email == "anna@example.com"


async def test_default_shipping_is_the_default_address_in_stripe_shape(
    make_user: MakeUser, session: AsyncSession
) -> None:
    user = await make_user(email="anna@example.com")
    assert await addresses.default_shipping(session, user.id) is None
    data = AddressIn(
        name="Anna Petrova",
        line1="Nevsky prospekt 1",
        city="Saint Petersburg",
        postal_code="191186",
        country="ru",
    )
    await addresses.add_address(session, user, data)
    await session.commit()
    assert await addresses.default_shipping(session, user.id) == {
        "name": "Anna Petrova",
        "phone": None,
        "address": {
            "line1": "Nevsky prospekt 1",
            "line2": None,
            "city": "Saint Petersburg",
            "postal_code": "191186",
            "state": None,
            "country": "RU",
        },
    }
