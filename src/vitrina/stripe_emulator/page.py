"""The hosted payment page at a session's `url` (`/c/pay/{id}`), in the session's locale.

POST pays with a test card (`resources.cards`): a success redirects to `success_url`, a
decline shows Stripe's message and keeps the session open, 4000 0027 6000 3184 shows the
3-D Secure challenge (`/c/pay/{id}/authenticate`) whose two buttons approve or fail it.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Template
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from vitrina.stripe_emulator.errors import StripeError
from vitrina.stripe_emulator.page_i18n import (
    country_names,
    delivery_estimate,
    format_money,
    format_percentage,
    page_locale,
    translator,
)
from vitrina.stripe_emulator.page_template import CHALLENGE_PAGE, CHECKOUT_PAGE
from vitrina.stripe_emulator.resources import checkout_pricing, paying, sessions
from vitrina.stripe_emulator.state import Ctx, EmulatorState
from vitrina.stripe_emulator.store import StripeObject


def _render(
    request: Request,
    state: EmulatorState,
    session: StripeObject,
    *,
    template: Template = CHECKOUT_PAGE,
    error: str | None = None,
    notice: str | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    locale = page_locale(session["locale"], request.headers.get("accept-language", ""))
    action = f"{state.public_url}/c/pay/{session['id']}"
    if template is CHALLENGE_PAGE:
        action += "/authenticate"
    t = translator(locale)
    pricing = state.session_pricing.get(session["id"]) or {}
    automatic = session["automatic_tax"]["enabled"]
    html = template.render(
        session=session,
        line_items=state.line_items.get(session["id"], []),
        taxes=state.breakdowns.get(session["id"], {}).get("taxes", []),
        shipping_options=_shipping_options(state, session, t),
        billing_countries=(
            country_names(locale)
            if automatic and not session["shipping_address_collection"]
            else []
        ),
        location=pricing.get("location") or {},
        tax_pending=automatic and session["automatic_tax"]["status"] != "complete",
        money=lambda amount: format_money(int(amount), session["currency"], locale),
        percentage=lambda value: format_percentage(value, locale),
        country_name=lambda code: country_names(locale).get(code, code),
        t=t,
        lang=locale,
        error=error,
        notice=notice,
        form=form or {},
        known_email=(session["customer_details"] or {}).get("email"),
        action=action,
    )
    return HTMLResponse(html, status_code=status)


def _shipping_options(state: EmulatorState, session: StripeObject, t: Any) -> list[dict[str, Any]]:
    found = []
    for option in session["shipping_options"]:
        rate = state.shipping_rates.find(option["shipping_rate"]) or {}
        found.append(
            {
                "id": option["shipping_rate"],
                "display_name": rate.get("display_name", ""),
                "amount": option["shipping_amount"],
                "estimate": delivery_estimate(rate.get("delivery_estimate"), t),
            }
        )
    return found


def _session(request: Request) -> tuple[EmulatorState, StripeObject | None]:
    state: EmulatorState = request.app.state.emulator.state
    sessions.expire_due(Ctx(state))
    return state, state.sessions.find(request.path_params["session_id"])


def _not_found(request: Request) -> HTMLResponse:
    locale = page_locale(None, request.headers.get("accept-language", ""))
    title = translator(locale)("Checkout session not found")
    return HTMLResponse(f"<h1>{title}</h1>", status_code=404)


def _success(session: StripeObject) -> RedirectResponse:
    target = str(session["success_url"]).replace("{CHECKOUT_SESSION_ID}", session["id"])
    return RedirectResponse(target, status_code=303)


def _buyer(session: StripeObject, form: dict[str, str]) -> paying.Buyer:
    shipping = None
    if session["shipping_address_collection"]:
        shipping = {key: form.get(f"shipping_{key}") for key in paying.SHIPPING_FIELDS}
    billing = None
    if form.get("billing_country"):
        billing = {"country": form["billing_country"], "state": form.get("billing_state")}
    return paying.Buyer(
        email=form.get("email") or None,
        name=form.get("billing_name") or None,
        shipping=shipping,
        expiry=form.get("card_expiry") or None,
        shipping_rate=form.get("shipping_rate") or None,
        billing_address=billing,
    )


def _reprice(state: EmulatorState, session: StripeObject, form: dict[str, str]) -> None:
    """Apply the form's shipping option and address to the totals, without paying."""
    country = form.get("shipping_country") or form.get("billing_country")
    state_code = form.get("shipping_state") or form.get("billing_state")
    checkout_pricing.choose(
        Ctx(state),
        session,
        shipping_rate=form.get("shipping_rate") or None,
        location={"country": country, "state": state_code} if country else None,
    )


async def show(request: Request) -> Response:
    """The page, its shipping address prefilled from the session Customer's `shipping` and
    its email from the Customer (read-only), as Stripe's page does."""
    state, session = _session(request)
    if session is None:
        return _not_found(request)
    saved = paying.saved_shipping(Ctx(state), session) or {}
    return _render(request, state, session, form={f"shipping_{k}": v for k, v in saved.items()})


async def pay(request: Request) -> Response:
    state, session = _session(request)
    if session is None:
        return _not_found(request)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    if session["status"] != "open":
        return _render(request, state, session, status=409)
    try:
        seen = form.get("expected_total")
        _reprice(state, session, form)
        if form.get("update"):
            return _render(request, state, session, form=form)
        if seen is not None and seen != str(session["amount_total"]):
            changed = "Your total has changed. Check it and press Pay again."
            return _render(request, state, session, notice=changed, form=form)
        result = paying.pay(
            Ctx(state),
            session,
            form.get("card_number", ""),
            _buyer(session, form),
            delayed=bool(form.get("delayed")),
        )
    except StripeError as error:
        return _render(request, state, session, error=error.message, form=form, status=error.status)
    if result == "requires_action":
        return _render(request, state, session, template=CHALLENGE_PAGE)
    return _success(session)


async def show_challenge(request: Request) -> Response:
    state, session = _session(request)
    if session is None:
        return _not_found(request)
    if session["id"] not in state.pending_authentications:
        return RedirectResponse(f"{state.public_url}/c/pay/{session['id']}", status_code=303)
    return _render(request, state, session, template=CHALLENGE_PAGE)


async def answer_challenge(request: Request) -> Response:
    state, session = _session(request)
    if session is None:
        return _not_found(request)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    pending = state.pending_authentications.get(session["id"]) or {}
    typed = pending.get("buyer") or {}
    try:
        paying.authenticate(Ctx(state), session, approve=form.get("result") == "complete")
    except StripeError as error:
        return _render(
            request,
            state,
            session,
            error=error.message,
            form={"email": typed.get("email") or ""},
            status=error.status,
        )
    return _success(session)


PAGE_ROUTES = [
    Route("/c/pay/{session_id}", show, methods=["GET"]),
    Route("/c/pay/{session_id}", pay, methods=["POST"]),
    Route("/c/pay/{session_id}/authenticate", show_challenge, methods=["GET"]),
    Route("/c/pay/{session_id}/authenticate", answer_challenge, methods=["POST"]),
]
