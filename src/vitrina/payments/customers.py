"""Each account pays as one Stripe Customer, so that Stripe groups its payments, and so that
Checkout prefills what the store knows: the Customer's email, and its `shipping` (the
account's default address) in the shipping address fields. Checkout has no parameter for a
shipping address; the Customer a session names is the only way to prefill one.

The Customer is made at the account's first checkout, with an idempotency key derived from
the user id (`vitrina:customer:<id>`): a retry, or a checkout that was rolled back after the
Customer was made, gets the same Customer back. Its id is kept on the user
(`users.stripe_customer_id`, saved by the request's commit) and passed as `customer` on every
later Checkout Session. If the key was used with other parameters (the address changed
between two failed checkouts), the Customer is found again by email and `vitrina_user_id`.

Keeping it current: the Customer is brought up to date at checkout, the only moment Stripe
reads it, and only when what it should carry (`CustomerProfile`: email, name, language,
default address) differs from what it was last given, which the user row remembers as a
digest (`users.stripe_customer_digest`). So an unchanged account costs no Stripe call, a
changed one costs one update; editing an address or an email never waits on Stripe, and a
failed update cannot leave Stripe behind for good (the digest is saved only with the
checkout's commit, so the next checkout tries again).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol, cast

import stripe
import structlog
from stripe.params import (
    CustomerCreateParams,
    CustomerCreateParamsShipping,
    CustomerUpdateParams,
)

log = structlog.get_logger(__name__)

USER_ID_KEY = "vitrina_user_id"


class AccountLike(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def email(self) -> str: ...


@dataclass(frozen=True)
class CustomerProfile:
    """What the account's Customer should carry."""

    email: str
    name: str | None = None
    locale: str | None = None
    shipping: Mapping[str, Any] | None = None
    """The default address as a Customer's `shipping` (`accounts.addresses.stripe_shipping`)."""

    @classmethod
    def of(cls, user: AccountLike, shipping: Mapping[str, Any] | None = None) -> CustomerProfile:
        name = getattr(user, "full_name", None)
        locale = getattr(user, "locale", None)
        return cls(
            email=user.email,
            name=(name.strip() or None) if isinstance(name, str) else None,
            locale=locale if isinstance(locale, str) and locale else None,
            shipping=shipping,
        )

    def digest(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def _shipping(self) -> CustomerCreateParamsShipping | None:
        if self.shipping is None:
            return None
        address = {k: v for k, v in dict(self.shipping.get("address") or {}).items() if v}
        shipping = {"name": str(self.shipping.get("name") or ""), "address": address}
        if self.shipping.get("phone"):
            shipping["phone"] = str(self.shipping["phone"])
        return cast(CustomerCreateParamsShipping, shipping)

    def create_params(self, user_id: int) -> CustomerCreateParams:
        params: CustomerCreateParams = {
            "email": self.email,
            "metadata": {USER_ID_KEY: str(user_id)},
        }
        if self.name:
            params["name"] = self.name
        if self.locale:
            params["preferred_locales"] = [self.locale]
        if (shipping := self._shipping()) is not None:
            params["shipping"] = shipping
        return params

    def update_params(self) -> CustomerUpdateParams:
        """Every field the profile covers; an empty string clears one on Stripe."""
        shipping = self._shipping()
        params: CustomerUpdateParams = {
            "email": self.email,
            "name": self.name or "",
            "shipping": cast(Any, shipping) if shipping is not None else "",
        }
        if self.locale:
            params["preferred_locales"] = [self.locale]
        return params


def customer_idempotency_key(user_id: int) -> str:
    return f"vitrina:customer:{user_id}"


def known_customer(user: AccountLike) -> str | None:
    """The account's Customer id, if it has one already (hand-made users may lack the field)."""
    found = getattr(user, "stripe_customer_id", None)
    return found if isinstance(found, str) and found else None


def _is_current(user: AccountLike, profile: CustomerProfile) -> bool:
    return getattr(user, "stripe_customer_digest", None) == profile.digest()


def _remember(user: AccountLike, customer_id: str, profile: CustomerProfile) -> str:
    if known_customer(user) != customer_id:
        log.info("stripe_customer_linked", user_id=user.id, customer_id=customer_id)
    if hasattr(user, "stripe_customer_id"):
        user.stripe_customer_id = customer_id
    if hasattr(user, "stripe_customer_digest"):
        user.stripe_customer_digest = profile.digest()
    return customer_id


def _mine(user: AccountLike, customers: list[stripe.Customer]) -> str | None:
    for customer in customers:
        metadata = customer.metadata.to_dict() if customer.metadata else {}
        if metadata.get(USER_ID_KEY) == str(user.id):
            return str(customer.id)
    return None


def ensure_customer(
    client: stripe.StripeClient, user: AccountLike, shipping: Mapping[str, Any] | None = None
) -> str:
    """The account's Customer id, made now if it has none and brought up to date if the
    account changed (blocking; for use by hand)."""
    profile = CustomerProfile.of(user, shipping)
    known = known_customer(user)
    if known is None:
        options: stripe.RequestOptions = {"idempotency_key": customer_idempotency_key(user.id)}
        try:
            created = client.v1.customers.create(profile.create_params(user.id), options)
            return _remember(user, created.id, profile)
        except stripe.IdempotencyError:
            listed = client.v1.customers.list({"email": user.email, "limit": 100})
            known = _mine(user, listed.data)
            if known is None:
                raise
    if not _is_current(user, profile):
        client.v1.customers.update(known, profile.update_params())
        log.info("stripe_customer_updated", user_id=user.id, customer_id=known)
    return _remember(user, known, profile)


async def ensure_customer_async(
    client: stripe.StripeClient, user: AccountLike, shipping: Mapping[str, Any] | None = None
) -> str:
    profile = CustomerProfile.of(user, shipping)
    known = known_customer(user)
    if known is None:
        options: stripe.RequestOptions = {"idempotency_key": customer_idempotency_key(user.id)}
        try:
            created = await client.v1.customers.create_async(
                profile.create_params(user.id), options
            )
            return _remember(user, created.id, profile)
        except stripe.IdempotencyError:
            listed = await client.v1.customers.list_async({"email": user.email, "limit": 100})
            known = _mine(user, listed.data)
            if known is None:
                raise
    if not _is_current(user, profile):
        await client.v1.customers.update_async(known, profile.update_params())
        log.info("stripe_customer_updated", user_id=user.id, customer_id=known)
    return _remember(user, known, profile)
