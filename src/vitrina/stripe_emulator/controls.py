"""Test controls under `/_emulator/` (see the package docstring for the list)."""

from __future__ import annotations

import json
import time
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from vitrina.stripe_emulator.errors import StripeError, invalid
from vitrina.stripe_emulator.faults import KINDS, FaultKind
from vitrina.stripe_emulator.formdata import parse_form
from vitrina.stripe_emulator.resources import paying, sessions
from vitrina.stripe_emulator.state import Ctx, EmulatorState
from vitrina.stripe_emulator.store import snapshot
from vitrina.stripe_emulator.webhooks import STALE_SIGNATURE_AGE, event_payload, sign


async def _body(request: Request) -> dict[str, Any]:
    raw = (await request.body()).decode()
    if not raw.strip():
        return {}
    if request.headers.get("content-type", "").startswith("application/json"):
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise invalid("The body must be a JSON object.")
        return data
    return parse_form(raw)


def _state(request: Request) -> EmulatorState:
    state: EmulatorState = request.app.state.emulator.state
    return state


def _flag(value: Any) -> bool:
    return value in (True, "true", "1", 1, "on")


def _error(error: StripeError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status)


async def complete_session(request: Request) -> Response:
    state = _state(request)
    body = await _body(request)
    ctx = Ctx(state)
    try:
        sessions.expire_due(ctx)
        session = state.sessions.get(request.path_params["session_id"], param="session")
        outcome = body.get("outcome", "paid")
        if outcome not in paying.OUTCOMES:
            raise invalid(f"outcome must be one of {', '.join(paying.OUTCOMES)}", param="outcome")
        shipping = body.get("shipping") or paying.saved_shipping(ctx, session)
        if shipping is None and session["shipping_address_collection"]:
            countries = session["shipping_address_collection"]["allowed_countries"]
            shipping = {"name": "Test Customer", "line1": "1 Test Street", "city": "Testville",
                        "postal_code": "10001", "country": countries[0]}  # fmt: skip
        buyer = paying.Buyer(
            email=body.get("email"),
            name=body.get("name"),
            shipping=shipping,
            shipping_rate=body.get("shipping_rate"),
            billing_address=body.get("billing_address"),
        )
        paying.complete(
            ctx,
            session,
            outcome,
            buyer,
            card=body.get("card"),
            authentication=str(body.get("authentication", "complete")),
        )
    except StripeError as error:
        return _error(error)
    return JSONResponse(snapshot(session))


async def advance_clock(request: Request) -> Response:
    state = _state(request)
    body = await _body(request)
    try:
        seconds = float(body.get("seconds", 0))
        if seconds < 0:
            raise ValueError
    except (TypeError, ValueError):
        return _error(invalid("seconds must be a non-negative number", param="seconds"))
    state.clock.advance(seconds)
    expired = sessions.expire_due(Ctx(state))
    return JSONResponse({"now": state.clock.timestamp(), "expired": [s["id"] for s in expired]})


async def get_clock(request: Request) -> Response:
    return JSONResponse({"now": _state(request).clock.timestamp()})


async def deliver_event(request: Request) -> Response:
    state = _state(request)
    body = await _body(request)
    try:
        event = state.events.get(request.path_params["event_id"])
    except StripeError as error:
        return _error(error)
    destinations = state.destinations(event["type"])
    attempts = await state.sender.deliver_now(
        snapshot(event),
        destinations,
        times=int(body.get("times", 1)),
        stale_signature=_flag(body.get("stale_signature", False)),
        concurrent=_flag(body.get("concurrent", False)),
    )
    return JSONResponse({"deliveries": [a.as_dict() for a in attempts]})


async def sign_event(request: Request) -> Response:
    """The exact body and `Stripe-Signature` header a delivery would carry, for tests that
    post webhooks to an in-process app themselves."""
    state = _state(request)
    body = await _body(request)
    try:
        event = state.events.get(request.path_params["event_id"])
    except StripeError as error:
        return _error(error)
    secret = body.get("secret") or state.webhook_secret
    if not secret:
        return _error(invalid("No secret given and no webhook secret configured.", param="secret"))
    payload = event_payload(snapshot(event))
    age = STALE_SIGNATURE_AGE if _flag(body.get("stale_signature", False)) else 0
    header = sign(payload, str(secret), int(time.time()) - age)
    return JSONResponse({"payload": payload, "signature": header})


async def add_fault(request: Request) -> Response:
    state = _state(request)
    body = await _body(request)
    kind = str(body.get("kind", "500"))
    kind = {"dropped": "drop", "dropped_connection": "drop"}.get(kind, kind)
    if kind not in KINDS:
        return _error(invalid(f"kind must be one of {', '.join(KINDS)}", param="kind"))
    fault = state.faults.add(
        cast(FaultKind, kind),
        count=int(body["count"]) if "count" in body else None,
        seconds=float(body["seconds"]) if "seconds" in body else None,
        delay=float(body.get("delay", 1.0)),
        path_prefix=str(body.get("path_prefix", "/v1")),
        method=body.get("method"),
    )
    return JSONResponse(fault.as_dict())


async def list_faults(request: Request) -> Response:
    return JSONResponse({"data": [f.as_dict() for f in _state(request).faults.active()]})


async def clear_faults(request: Request) -> Response:
    _state(request).faults.clear()
    return JSONResponse({"cleared": True})


async def reset(request: Request) -> Response:
    await _state(request).reset()
    return JSONResponse({"reset": True})


async def list_calls(request: Request) -> Response:
    calls = _state(request).calls
    prefix = request.query_params.get("path")
    method = request.query_params.get("method")
    rows = [
        c
        for c in calls
        if (prefix is None or c["path"].startswith(prefix))
        and (method is None or c["method"] == method.upper())
    ]
    return JSONResponse({"data": rows})


async def clear_calls(request: Request) -> Response:
    _state(request).calls.clear()
    return JSONResponse({"cleared": True})


async def list_deliveries(request: Request) -> Response:
    sender = _state(request).sender
    return JSONResponse({"data": [d.as_dict() for d in sender.deliveries]})


CONTROL_ROUTES = [
    Route("/_emulator/checkout/sessions/{session_id}/complete", complete_session, methods=["POST"]),
    Route("/_emulator/clock/advance", advance_clock, methods=["POST"]),
    Route("/_emulator/clock", get_clock, methods=["GET"]),
    Route("/_emulator/events/{event_id}/deliver", deliver_event, methods=["POST"]),
    Route("/_emulator/events/{event_id}/sign", sign_event, methods=["POST"]),
    Route("/_emulator/faults", add_fault, methods=["POST"]),
    Route("/_emulator/faults", list_faults, methods=["GET"]),
    Route("/_emulator/faults", clear_faults, methods=["DELETE"]),
    Route("/_emulator/reset", reset, methods=["POST"]),
    Route("/_emulator/calls", list_calls, methods=["GET"]),
    Route("/_emulator/calls", clear_calls, methods=["DELETE"]),
    Route("/_emulator/deliveries", list_deliveries, methods=["GET"]),
]
