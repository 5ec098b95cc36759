"""The hosted payment page at a session's `url` (`/c/pay/{id}`)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from vitrina.stripe_emulator.errors import StripeError
from vitrina.stripe_emulator.page_template import CHECKOUT_PAGE
from vitrina.stripe_emulator.resources import payments, sessions
from vitrina.stripe_emulator.resources.common import THREE_DECIMAL, ZERO_DECIMAL
from vitrina.stripe_emulator.state import Ctx, EmulatorState
from vitrina.stripe_emulator.store import StripeObject

PAYING_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
INVALID_CARD_MESSAGE = "Your card number is invalid."


def format_money(amount: int, currency: str) -> str:
    exponent = 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2
    whole = f"{amount / 10**exponent:,.{exponent}f}" if exponent else f"{amount:,}"
    return f"{whole} {currency.upper()}"


def _render(
    state: EmulatorState,
    session: StripeObject,
    *,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    html = CHECKOUT_PAGE.render(
        session=session,
        line_items=state.line_items.get(session["id"], []),
        money=lambda amount: format_money(int(amount), session["currency"]),
        error=error,
        form=form or {},
        action=f"{state.public_url}/c/pay/{session['id']}",
    )
    return HTMLResponse(html, status_code=status)


def _session(request: Request) -> tuple[EmulatorState, StripeObject | None]:
    state: EmulatorState = request.app.state.emulator.state
    sessions.expire_due(Ctx(state))
    return state, state.sessions.find(request.path_params["session_id"])


async def show(request: Request) -> Response:
    state, session = _session(request)
    if session is None:
        return HTMLResponse("<h1>Checkout session not found</h1>", status_code=404)
    return _render(state, session)


async def pay(request: Request) -> Response:
    state, session = _session(request)
    if session is None:
        return HTMLResponse("<h1>Checkout session not found</h1>", status_code=404)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    if session["status"] != "open":
        return _render(state, session, status=409)
    card = form.get("card_number", "").replace(" ", "").replace("-", "")
    needs_payment = session["payment_status"] != "no_payment_required"
    if needs_payment and card not in (PAYING_CARD, DECLINED_CARD):
        return _render(state, session, error=INVALID_CARD_MESSAGE, form=form, status=402)
    outcome: payments.Outcome = "paid"
    if needs_payment and card == DECLINED_CARD:
        outcome = "declined"
    elif needs_payment and form.get("delayed"):
        outcome = "unpaid"
    shipping = None
    if session["shipping_address_collection"]:
        shipping = {
            "name": form.get("shipping_name"),
            "line1": form.get("shipping_line1"),
            "line2": form.get("shipping_line2"),
            "city": form.get("shipping_city"),
            "postal_code": form.get("shipping_postal_code"),
            "state": form.get("shipping_state"),
            "country": form.get("shipping_country"),
        }
    try:
        payments.complete(
            Ctx(state),
            session,
            outcome,
            email=form.get("email") or None,
            name=form.get("billing_name") or None,
            shipping=shipping,
        )
    except StripeError as error:
        return _render(state, session, error=error.message, form=form, status=error.status)
    target = str(session["success_url"]).replace("{CHECKOUT_SESSION_ID}", session["id"])
    return RedirectResponse(target, status_code=303)


PAGE_ROUTES = [
    Route("/c/pay/{session_id}", show, methods=["GET"]),
    Route("/c/pay/{session_id}", pay, methods=["POST"]),
]
