"""The basket, the coupon, checkout and the return from Stripe (the basket service decides).

Guests have a basket too (the signed basket cookie, `shopper.py`); checkout asks them to log
in or register, which merges their basket into the account's, and brings them back here.
"""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from vitrina.basket import service as basket_service
from vitrina.basket.checkout import Buyer, start_checkout
from vitrina.basket.guest import forget_guest
from vitrina.basket.service import Guest, Owner
from vitrina.basket.view import basket_view
from vitrina.config import SettingsDep
from vitrina.db import SessionDep
from vitrina.errors import Conflict, NotFound, VitrinaError
from vitrina.payments.fulfilment import fulfil_for_customer, fulfil_for_guest
from vitrina.shipping import service as shipping_service
from vitrina.storefront.currency import chosen_currency
from vitrina.storefront.deps import WebUser, login_url, refresh_basket_count, require_user
from vitrina.storefront.messages import shown
from vitrina.storefront.shopper import (
    keep_guest,
    merge_into_account,
    page_guest,
    page_shopper,
)
from vitrina.storefront.templating import (
    COUNTRY_COOKIE,
    N_,
    flash,
    language_of,
    render,
    translate,
)
from vitrina.storefront.web import safe_next

router = APIRouter()

MAX_QUANTITY = 10_000


def chosen_country(request: Request, wanted: str = "") -> str | None:
    """A country picked now (`wanted`), else the one remembered in the cookie."""
    for value in (wanted, request.cookies.get(COUNTRY_COOKIE, "")):
        code = value.strip().upper()
        if len(code) == 2 and code.isascii() and code.isalpha():
            return code
    return None


Quantity = Annotated[int, Form(ge=0, le=MAX_QUANTITY)]


def _to_basket(anchor: str = "") -> RedirectResponse:
    return RedirectResponse("/basket" + anchor, status_code=303)


@router.get("/basket")
async def basket_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: WebUser,
    checkout: str = "",
    country: str = "",
) -> Response:
    owner = page_shopper(user, request)
    # Logged in some other way than the login form: the guest's basket joins now.
    adopted = user is not None and await merge_into_account(request, session, user)
    if adopted:
        await refresh_basket_count(request, session, owner)
    picked = chosen_country(request, country)
    basket = await basket_view(
        session, owner, settings, country=picked, currency=chosen_currency(request)
    )
    context = {
        "basket": basket,
        "countries": await shipping_service.countries_shipped_to(session, settings),
        "warnings": [shown(request, warning.message) for warning in basket.warnings],
        "cancelled": checkout == "cancelled",
        "promo_error": request.session.pop("promo_error", None),
        "is_guest": user is None,
    }
    response = render(request, "storefront/basket.html", context)
    if adopted:
        forget_guest(response, settings)
    if picked and country:
        response.set_cookie(
            COUNTRY_COOKIE, picked, max_age=365 * 86400, samesite="lax", httponly=True
        )
    return response


@router.post("/basket/items")
async def add_to_basket(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: WebUser,
    product_id: Annotated[int, Form()],
    quantity: Quantity = 1,
    next: Annotated[str, Form(max_length=2000)] = "/",
    variant_id: Annotated[int | None, Form(ge=1, le=2_147_483_647)] = None,
) -> Response:
    back = safe_next(next)
    partial = request.headers.get("hx-request") == "true"
    owner = page_shopper(user, request)
    current = await basket_view(session, owner, settings)
    in_basket = 0
    for line in current.items:
        if line.product.id == product_id and variant_id in (None, line.product.variant_id):
            in_basket = line.quantity
    next_quantity = min(in_basket + max(quantity, 1), MAX_QUANTITY)
    try:
        await basket_service.set_quantity(session, owner, product_id, next_quantity, variant_id)
    except VitrinaError as error:
        message = shown(request, error.detail)
        if partial:
            return render(request, "storefront/_basket_status.html", {"error": message})
        flash(request, message, "error")
        return RedirectResponse(back, status_code=303)
    if partial:
        await refresh_basket_count(request, session, owner)
        return keep_guest(render(request, "storefront/_basket_status.html"), owner)
    flash(request, translate(request, N_("Added to your basket.")), "success")
    return keep_guest(RedirectResponse(back, status_code=303), owner)


@router.post("/basket/items/{product_id}")
async def update_quantity(
    request: Request,
    session: SessionDep,
    user: WebUser,
    product_id: int,
    quantity: Quantity,
    variant_id: Annotated[int | None, Form(ge=1, le=2_147_483_647)] = None,
) -> Response:
    owner = page_shopper(user, request)
    try:
        await basket_service.set_quantity(session, owner, product_id, quantity, variant_id)
    except VitrinaError as error:
        flash(request, shown(request, error.detail), "error")
    return keep_guest(_to_basket(), owner)


@router.post("/basket/items/{product_id}/remove")
async def remove_from_basket(
    request: Request,
    session: SessionDep,
    user: WebUser,
    product_id: int,
    variant_id: Annotated[int | None, Form(ge=1, le=2_147_483_647)] = None,
) -> Response:
    owner = page_shopper(user, request)
    with contextlib.suppress(NotFound):
        await basket_service.remove_item(session, owner, product_id, variant_id)
    flash(request, translate(request, N_("Removed from your basket.")), "success")
    return keep_guest(_to_basket(), owner)


@router.post("/basket/promo")
async def apply_promo(
    request: Request,
    session: SessionDep,
    user: WebUser,
    code: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    owner = page_shopper(user, request)
    if not code.strip():
        request.session["promo_error"] = translate(request, N_("Enter a promo code."))
        return _to_basket("#promo")
    try:
        await basket_service.apply_promo(session, owner, code)
    except VitrinaError as error:
        request.session["promo_error"] = shown(request, error.detail)
        return _to_basket("#promo")
    flash(request, translate(request, N_("Promo code applied.")), "success")
    return keep_guest(_to_basket(), owner)


@router.post("/basket/promo/remove")
async def remove_promo(request: Request, session: SessionDep, user: WebUser) -> Response:
    owner = page_shopper(user, request)
    await basket_service.remove_promo(session, owner)
    return keep_guest(_to_basket(), owner)


@router.post("/checkout")
async def checkout(
    request: Request, session: SessionDep, settings: SettingsDep, user: WebUser
) -> Response:
    if user is None:
        message = N_("Log in or create an account to pay. Your basket will be kept.")
        flash(request, translate(request, message), "info")
        return RedirectResponse(login_url("/basket"), status_code=303)
    return await _open_checkout(request, session, settings, user)


@router.post("/checkout/guest")
async def guest_checkout(
    request: Request, session: SessionDep, settings: SettingsDep, user: WebUser
) -> Response:
    """Pay without an account: Stripe's page asks for the email, and the order goes to the
    account with that email (made for it if there is none; `payments/guest_customers.py`)."""
    guest = page_guest(request)
    if user is not None or guest is None:
        return _to_basket()
    return await _open_checkout(request, session, settings, guest)


async def _open_checkout(
    request: Request, session: SessionDep, settings: SettingsDep, owner: Buyer
) -> Response:
    try:
        opened = await start_checkout(
            session,
            owner,
            settings,
            language_of(request),
            chosen_country(request),
            chosen_currency(request),
        )
    except VitrinaError as error:
        if error.status_code >= 500:
            raise
        flash(request, shown(request, error.detail), "error")
        return _to_basket()
    if not opened.url:
        flash(request, translate(request, N_("Checkout is not available right now.")), "error")
        return _to_basket()
    return RedirectResponse(opened.url, status_code=303)


@router.get("/checkout/success")
async def checkout_success(
    request: Request,
    session: SessionDep,
    user: WebUser,
    code: str = "",
    session_id: str = "",
) -> Response:
    guest = page_guest(request) if user is None else None
    owner: Owner = guest if guest is not None else require_user(request, user)
    if not code or not session_id:
        raise NotFound()
    try:
        if isinstance(owner, Guest):
            basket = await basket_service.find_basket(session, owner)
            basket_id = basket.id if basket is not None else None
            order = await fulfil_for_guest(session, basket_id, session_id, code)
        else:
            order = await fulfil_for_customer(session, owner.id, session_id, code)
    except Conflict:
        return render(request, "storefront/checkout_pending.html", status_code=202)
    # The header was counted before fulfilment emptied the basket.
    await refresh_basket_count(request, session, owner)
    context = {"order": order, "as_guest": guest is not None}
    return render(request, "storefront/checkout_success.html", context)
