"""Each account pays as one Stripe Customer, so that Stripe groups its payments.

The Customer is made at the account's first checkout, with an idempotency key derived from
the user id (`vitrina:customer:<id>`): a retry, or a checkout that was rolled back after the
Customer was made, gets the same Customer back. Its id is kept on the user
(`users.stripe_customer_id`, saved by the request's commit) and passed as `customer` on every
later Checkout Session. If the key was used with other parameters (the name changed between
two failed checkouts), the Customer is found again by email and `vitrina_user_id`. The
Customer keeps the email and name the account had when it was made: later changes to the
account are not pushed to Stripe.
"""

from __future__ import annotations

from typing import Protocol

import stripe
import structlog
from stripe.params import CustomerCreateParams

log = structlog.get_logger(__name__)

USER_ID_KEY = "vitrina_user_id"


class AccountLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def email(self) -> str: ...


def customer_idempotency_key(user_id: int) -> str:
    return f"vitrina:customer:{user_id}"


def known_customer(user: AccountLike) -> str | None:
    """The account's Customer id, if it has one already (hand-made users may lack the field)."""
    found = getattr(user, "stripe_customer_id", None)
    return found if isinstance(found, str) and found else None


def customer_params(user: AccountLike) -> CustomerCreateParams:
    params: CustomerCreateParams = {
        "email": user.email,
        "metadata": {USER_ID_KEY: str(user.id)},
    }
    name = getattr(user, "full_name", None)
    if isinstance(name, str) and name.strip():
        params["name"] = name.strip()
    locale = getattr(user, "locale", None)
    if isinstance(locale, str) and locale:
        params["preferred_locales"] = [locale]
    return params


def _remember(user: AccountLike, customer_id: str) -> str:
    if hasattr(user, "stripe_customer_id"):
        user.stripe_customer_id = customer_id
    log.info("stripe_customer_linked", user_id=user.id, customer_id=customer_id)
    return customer_id


def _mine(user: AccountLike, customers: list[stripe.Customer]) -> str | None:
    for customer in customers:
        metadata = customer.metadata.to_dict() if customer.metadata else {}
        if metadata.get(USER_ID_KEY) == str(user.id):
            return str(customer.id)
    return None


def ensure_customer(client: stripe.StripeClient, user: AccountLike) -> str:
    """The account's Customer id, made now if it has none (blocking; for use by hand)."""
    known = known_customer(user)
    if known:
        return known
    options: stripe.RequestOptions = {"idempotency_key": customer_idempotency_key(user.id)}
    try:
        created = client.v1.customers.create(customer_params(user), options)
    except stripe.IdempotencyError:
        found = _mine(user, client.v1.customers.list({"email": user.email, "limit": 100}).data)
        if found is None:
            raise
        return _remember(user, found)
    return _remember(user, created.id)


async def ensure_customer_async(client: stripe.StripeClient, user: AccountLike) -> str:
    known = known_customer(user)
    if known:
        return known
    options: stripe.RequestOptions = {"idempotency_key": customer_idempotency_key(user.id)}
    try:
        created = await client.v1.customers.create_async(customer_params(user), options)
    except stripe.IdempotencyError:
        listed = await client.v1.customers.list_async({"email": user.email, "limit": 100})
        found = _mine(user, listed.data)
        if found is None:
            raise
        return _remember(user, found)
    return _remember(user, created.id)
