"""Stripe's webhook, and the customer's return from Stripe Checkout."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from vitrina.accounts.dependencies import CurrentUser
from vitrina.config import SettingsDep
from vitrina.db import SessionDep, db_helper
from vitrina.errors import ERROR_RESPONSE
from vitrina.orders.schemas import OrderOut
from vitrina.payments import webhooks
from vitrina.payments.client import webhook_secret
from vitrina.payments.fulfilment import fulfil_for_customer

router = APIRouter(tags=["payments"])


@router.post(
    "/stripe/webhook",
    responses={400: ERROR_RESPONSE, 500: {"description": "Handling failed; Stripe retries."}},
)
async def stripe_webhook(request: Request, settings: SettingsDep) -> JSONResponse:
    """Receive a signed Stripe event: recorded once, handled once (see payments.webhooks)."""
    payload = await request.body()
    event = webhooks.verify(
        payload, request.headers.get("stripe-signature"), webhook_secret(settings)
    )
    outcome = await webhooks.receive(
        db_helper.session_factory, event, concurrency=settings.database_pool_size
    )
    status = 500 if outcome is webhooks.Outcome.FAILED else 200
    return JSONResponse({"received": True, "outcome": outcome.value}, status_code=status)


@router.get(
    "/checkout/success",
    response_model=OrderOut,
    responses={404: ERROR_RESPONSE, 409: ERROR_RESPONSE, 503: ERROR_RESPONSE},
)
async def checkout_success(
    session: SessionDep,
    user: CurrentUser,
    session_id: str = Query(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_]+$"),
    code: str = Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9]+$"),
) -> OrderOut:
    """The order made by this Checkout Session (made now if the webhook has not yet)."""
    order = await fulfil_for_customer(session, user.id, session_id, code)
    return OrderOut.model_validate(order)
