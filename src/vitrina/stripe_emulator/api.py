"""The `/v1` dispatcher: auth, faults, idempotency, parameter checking, expansion, call log.

Order per request (as Stripe): authenticate; decode params; find the endpoint; apply an
injected fault; consult the idempotency key (replay / 400 / 409); validate params against
the SDK's TypedDict (failures are not stored); run the handler; store the result under the
key; answer with a `Request-Id` header.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from vitrina.stripe_emulator.errors import StripeError
from vitrina.stripe_emulator.expand import check_paths, expand
from vitrina.stripe_emulator.faults import Fault
from vitrina.stripe_emulator.formdata import parse_form
from vitrina.stripe_emulator.ids import request_id as new_request_id
from vitrina.stripe_emulator.params import validate
from vitrina.stripe_emulator.resources import sessions
from vitrina.stripe_emulator.routes import Endpoint, match
from vitrina.stripe_emulator.state import API_VERSION, Ctx, EmulatorState

logger = logging.getLogger(__name__)

MAX_KEY_LENGTH = 255
MAX_LOGGED_CALLS = 10_000


def api_key_from(request: Request) -> str:
    """Bearer `sk_test_...`, or HTTP basic with the key as the user name."""
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    key = ""
    if scheme.lower() == "bearer":
        key = credentials.strip()
    elif scheme.lower() == "basic":
        try:
            key = base64.b64decode(credentials).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            key = ""
    if not key:
        raise StripeError(
            401,
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth "
            "(e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            stored=False,
        )
    if not key.startswith("sk_test_") or len(key) <= len("sk_test_"):
        shown = key[:8] + "*" * max(0, len(key) - 12) + key[-4:] if len(key) > 12 else "***"
        raise StripeError(401, f"Invalid API Key provided: {shown}", stored=False)
    return key


class DroppedResponse(Response):
    """Start a response, send part of it, then fail: the client sees a broken connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"id": ', "more_body": True})
        raise ConnectionAbortedError("emulator fault: connection dropped")


async def handle(request: Request) -> Response:
    emulator = request.app.state.emulator
    emulator.ensure_sweeper()
    state: EmulatorState = emulator.state
    request_id = new_request_id()
    path = request.url.path[len(request.scope.get("root_path", "")) :]
    if not path.startswith("/v1"):
        path = "/v1/" + request.path_params["path"]
    method = request.method
    key = request.headers.get("idempotency-key")
    call: dict[str, Any] = {
        "method": method,
        "path": path,
        "params": None,
        "idempotency_key": key,
        "request_id": request_id,
        "status": None,
        "replayed": False,
        "at": state.clock.now(),
    }
    state.calls.append(call)
    if len(state.calls) > MAX_LOGGED_CALLS:
        del state.calls[: len(state.calls) - MAX_LOGGED_CALLS]
    headers = {"Request-Id": request_id, "Stripe-Version": API_VERSION}
    if key:
        headers["Idempotency-Key"] = key
    dropped = False
    try:
        status, body, dropped, replayed = await _process(request, state, call, request_id, key)
        if replayed:
            headers["Idempotent-Replayed"] = "true"
    except StripeError as error:
        status, body = error.status, error.body()
        if status == 429:
            headers["Stripe-Should-Retry"] = "true"
    call["status"] = status
    if dropped:
        return DroppedResponse()
    return JSONResponse(body, status_code=status, headers=headers)


async def _process(
    request: Request,
    state: EmulatorState,
    call: dict[str, Any],
    request_id: str,
    key: str | None,
) -> tuple[int, dict[str, Any], bool, bool]:
    api_key = api_key_from(request)
    method = request.method
    path = call["path"]
    if method in ("GET", "DELETE"):
        raw = parse_form(request.url.query)
    else:
        raw = parse_form((await request.body()).decode())
    call["params"] = raw
    route, path_args = match(method, path)
    fault = state.faults.take(method, path)
    if fault is not None and fault.kind == "429":
        raise StripeError(
            429,
            "Too many requests hit the API too quickly. We recommend an exponential backoff "
            "of your requests.",
            code="rate_limit",
            stored=False,
        )
    idempotent = method == "POST" and bool(key)
    if key is not None and len(key) > MAX_KEY_LENGTH:
        raise StripeError(
            400,
            f"Idempotency keys can be at most {MAX_KEY_LENGTH} characters long.",
            type="idempotency_error",
            stored=False,
        )
    if idempotent and key:
        record = state.idempotency.begin(
            api_key, key, method=method, path=path, params=raw, now=state.clock.now()
        )
        if record is not None:
            call["replayed"] = True
            assert record.status is not None and record.body is not None
            return record.status, record.body, False, True
    try:
        status, body = await _execute(state, route, path_args, raw, fault, request_id, key)
        store = True
    except StripeError as error:
        status, body, store = error.status, error.body(), error.stored
    except Exception:
        logger.exception("emulator bug while handling %s %s", method, path)
        crash = StripeError(500, "An unknown error occurred in the emulator.", type="api_error")
        status, body, store = crash.status, crash.body(), True
    if idempotent and key:
        if store:
            state.idempotency.finish(api_key, key, status, body)
        else:
            state.idempotency.abandon(api_key, key)
    return status, body, fault is not None and fault.kind == "drop", False


async def _execute(
    state: EmulatorState,
    route: Endpoint,
    path_args: dict[str, str],
    raw: dict[str, Any],
    fault: Fault | None,
    request_id: str,
    key: str | None,
) -> tuple[int, dict[str, Any]]:
    if fault is not None and fault.kind == "slow":
        await asyncio.sleep(fault.delay)
    if fault is not None and fault.kind == "500":
        raise StripeError(
            500,
            "An unknown error occurred (emulator fault injection).",
            type="api_error",
        )
    params = validate(route.params_class, raw)
    check_paths(params.get("expand") or [])
    ctx = Ctx(state, request_id=request_id, idempotency_key=key)
    sessions.expire_due(Ctx(state))
    result = route.handler(ctx, params, **path_args)
    paths = params.get("expand") or []
    if paths:
        result = expand(state, result, paths)
    return 200, json.loads(json.dumps(result, default=_json_default))


def _json_default(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON serialisable: {value!r}")
