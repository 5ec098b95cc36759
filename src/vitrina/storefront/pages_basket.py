"""The basket, the coupon, checkout and the return from Stripe (the basket service decides)."""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from vitrina.basket import service as basket_service
from vitrina.basket.checkout import start_checkout
from vitrina.basket.view import basket_view
from vitrina.config import SettingsDep
from vitrina.db import SessionDep
from vitrina.errors import Conflict, NotFound, VitrinaError
from vitrina.payments.fulfilment import fulfil_for_customer
from vitrina.storefront.deps import WebUser, login_url, refresh_basket_count, require_user
from vitrina.storefront.messages import shown
from vitrina.storefront.templating import N_, flash, language_of, render, translate
from vitrina.storefront.web import safe_next

router = APIRouter()

MAX_QUANTITY = 10_000
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
) -> Response:
    customer = require_user(request, user)
    basket = await basket_view(session, customer, settings)
    context = {
        "basket": basket,
        "warnings": [shown(request, warning.message) for warning in basket.warnings],
        "cancelled": checkout == "cancelled",
        "promo_error": request.session.pop("promo_error", None),
    }
    return render(request, "storefront/basket.html", context)


@router.post("/basket/items")
async def add_to_basket(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: WebUser,
    product_id: Annotated[int, Form()],
    quantity: Quantity = 1,
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    back = safe_next(next)
    partial = request.headers.get("hx-request") == "true"
    if partial and user is None:
        return Response(headers={"HX-Redirect": login_url(back)})
    customer = require_user(request, user, next_path=back)
    current = await basket_view(session, customer, settings)
    in_basket = 0
    for line in current.items:
        if line.product.id == product_id:
            in_basket = line.quantity
    next_quantity = min(in_basket + max(quantity, 1), MAX_QUANTITY)
    try:
        await basket_service.set_quantity(session, customer, product_id, next_quantity)
    except VitrinaError as error:
        message = shown(request, error.detail)
        if partial:
            return render(request, "storefront/_basket_status.html", {"error": message})
        flash(request, message)
        return RedirectResponse(back, status_code=303)
    if partial:
        await refresh_basket_count(request, session, customer)
        return render(request, "storefront/_basket_status.html")
    flash(request, translate(request, N_("Added to your basket.")))
    return RedirectResponse(back, status_code=303)


@router.post("/basket/items/{product_id}")
async def update_quantity(
    request: Request,
    session: SessionDep,
    user: WebUser,
    product_id: int,
    quantity: Quantity,
) -> Response:
    customer = require_user(request, user, next_path="/basket")
    try:
        await basket_service.set_quantity(session, customer, product_id, quantity)
    except VitrinaError as error:
        flash(request, shown(request, error.detail))
    return _to_basket()


@router.post("/basket/items/{product_id}/remove")
async def remove_from_basket(
    request: Request, session: SessionDep, user: WebUser, product_id: int
) -> Response:
    customer = require_user(request, user, next_path="/basket")
    with contextlib.suppress(NotFound):
        await basket_service.remove_item(session, customer, product_id)
    flash(request, translate(request, N_("Removed from your basket.")))
    return _to_basket()


@router.post("/basket/promo")
async def apply_promo(
    request: Request,
    session: SessionDep,
    user: WebUser,
    code: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    customer = require_user(request, user, next_path="/basket")
    if not code.strip():
        request.session["promo_error"] = translate(request, N_("Enter a promo code."))
        return _to_basket("#promo")
    try:
        await basket_service.apply_promo(session, customer, code)
    except VitrinaError as error:
        request.session["promo_error"] = shown(request, error.detail)
        return _to_basket("#promo")
    flash(request, translate(request, N_("Promo code applied.")))
    return _to_basket()


@router.post("/basket/promo/remove")
async def remove_promo(request: Request, session: SessionDep, user: WebUser) -> Response:
    customer = require_user(request, user, next_path="/basket")
    await basket_service.remove_promo(session, customer)
    return _to_basket()


@router.post("/checkout")
async def checkout(
    request: Request, session: SessionDep, settings: SettingsDep, user: WebUser
) -> Response:
    customer = require_user(request, user, next_path="/basket")
    try:
        opened = await start_checkout(session, customer, settings, language_of(request))
    except VitrinaError as error:
        if error.status_code >= 500:
            raise
        flash(request, shown(request, error.detail))
        return _to_basket()
    if not opened.url:
        flash(request, translate(request, N_("Checkout is not available right now.")))
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
    customer = require_user(request, user)
    if not code or not session_id:
        raise NotFound()
    try:
        order = await fulfil_for_customer(session, customer.id, session_id, code)
    except Conflict:
        return render(request, "storefront/checkout_pending.html", status_code=202)
    return render(request, "storefront/checkout_success.html", {"order": order})
