"""The Stripe calls that read payments (fulfilment, webhooks, reconciliation), with Stripe's
errors turned into ours. Refunds are in `payments.refunds`; orders reach Stripe only here.

Connection problems, timeouts, rate limits and Stripe's 5xx become `ServiceUnavailable` (503,
try again); a request Stripe refuses becomes a 4xx carrying Stripe's message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import stripe
import structlog

from vitrina.errors import BadRequest, Conflict, NotFound, ServiceUnavailable
from vitrina.payments.client import make_stripe_client

log = structlog.get_logger(__name__)

PAGE_SIZE = 100


@contextmanager
def stripe_errors(action: str) -> Iterator[None]:
    try:
        yield
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
        log.warning("stripe_unavailable", action=action, error=str(exc))
        raise ServiceUnavailable(f"Stripe is unavailable ({action}); try again shortly.") from exc
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            raise NotFound(f"Stripe does not know this object ({action}).") from exc
        if exc.code in ("charge_already_refunded", "amount_too_large"):
            raise Conflict(exc.user_message or str(exc)) from exc
        raise BadRequest(exc.user_message or str(exc)) from exc
    except stripe.StripeError as exc:
        log.error("stripe_error", action=action, error=str(exc))
        raise ServiceUnavailable(f"Stripe refused the request ({action}).") from exc


async def retrieve_checkout_session(session_id: str) -> stripe.checkout.Session:
    """The session as Stripe has it now, with its PaymentIntent and tax breakdown expanded."""
    client = make_stripe_client()
    with stripe_errors("retrieve checkout session"):
        return await client.v1.checkout.sessions.retrieve_async(
            session_id, {"expand": ["payment_intent", "total_details.breakdown"]}
        )


async def line_item_taxes(session_id: str) -> list[int]:
    """Each line item's `amount_tax`, in the session's order of lines."""
    client = make_stripe_client()
    with stripe_errors("list checkout line items"):
        page = await client.v1.checkout.sessions.line_items.list_async(session_id, {"limit": 100})
    return [item.amount_tax for item in page.data]


async def line_items(session_id: str) -> list[stripe.LineItem]:
    """The session's line items with their Prices (up to Checkout's 100 lines)."""
    client = make_stripe_client()
    with stripe_errors("list checkout line items"):
        page = await client.v1.checkout.sessions.line_items.list_async(session_id, {"limit": 100})
    return list(page.data)


async def retrieve_charge(charge_id: str) -> stripe.Charge:
    client = make_stripe_client()
    with stripe_errors("retrieve charge"):
        return await client.v1.charges.retrieve_async(charge_id)


def _created(since: int | None, until: int | None) -> dict[str, int]:
    created: dict[str, int] = {}
    if since is not None:
        created["gte"] = since
    if until is not None:
        created["lte"] = until
    return created


async def iter_checkout_sessions(
    since: int | None, until: int | None
) -> AsyncIterator[stripe.checkout.Session]:
    client = make_stripe_client()
    params: Any = {"limit": PAGE_SIZE}
    if created := _created(since, until):
        params["created"] = created
    with stripe_errors("list checkout sessions"):
        page = await client.v1.checkout.sessions.list_async(params)
        async for item in page.auto_paging_iter():
            yield item


async def iter_charges(since: int | None, until: int | None) -> AsyncIterator[stripe.Charge]:
    client = make_stripe_client()
    params: Any = {"limit": PAGE_SIZE}
    if created := _created(since, until):
        params["created"] = created
    with stripe_errors("list charges"):
        page = await client.v1.charges.list_async(params)
        async for item in page.auto_paging_iter():
            yield item


def plain(obj: Any) -> Any:
    """A Stripe object (or None) as plain JSON-able data."""
    if obj is None:
        return None
    if isinstance(obj, stripe.StripeObject):
        return obj.to_dict()
    return obj
