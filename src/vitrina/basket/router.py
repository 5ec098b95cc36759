"""Basket and checkout endpoints. Every error is `{"detail": <message to show as is>}`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from vitrina.accounts.dependencies import CurrentUser
from vitrina.basket import service
from vitrina.basket.checkout import start_checkout
from vitrina.basket.schemas import BasketOut, CheckoutOut, PromoIn, QuantityIn
from vitrina.basket.view import basket_view, checkout_out
from vitrina.config import SettingsDep
from vitrina.db import SessionDep
from vitrina.errors import ERROR_RESPONSE
from vitrina.kit.bounds import PathId
from vitrina.kit.languages import negotiate

router = APIRouter(tags=["basket"])

ERRORS: dict[int | str, dict[str, Any]] = {
    code: ERROR_RESPONSE for code in (401, 404, 409, 422, 503)
}


@router.get("/basket", response_model=BasketOut, responses=ERRORS)
async def get_basket(session: SessionDep, user: CurrentUser, settings: SettingsDep) -> BasketOut:
    return await basket_view(session, user, settings)


@router.put("/basket/items/{product_id}", response_model=BasketOut, responses=ERRORS)
async def put_item(
    product_id: PathId,
    body: QuantityIn,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
) -> BasketOut:
    """Set a product's quantity in the basket (0 removes it)."""
    await service.set_quantity(session, user, product_id, body.quantity)
    return await basket_view(session, user, settings)


@router.delete("/basket/items/{product_id}", response_model=BasketOut, responses=ERRORS)
async def delete_item(
    product_id: PathId, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> BasketOut:
    await service.remove_item(session, user, product_id)
    return await basket_view(session, user, settings)


@router.put("/basket/promo", response_model=BasketOut, responses=ERRORS)
async def put_promo(
    body: PromoIn, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> BasketOut:
    """Apply a coupon by its number (case-insensitive)."""
    await service.apply_promo(session, user, body.code)
    return await basket_view(session, user, settings)


@router.delete("/basket/promo", response_model=BasketOut, responses=ERRORS)
async def delete_promo(session: SessionDep, user: CurrentUser, settings: SettingsDep) -> BasketOut:
    await service.remove_promo(session, user)
    return await basket_view(session, user, settings)


@router.post("/checkout", response_model=CheckoutOut, responses=ERRORS)
async def checkout(
    request: Request, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> CheckoutOut:
    """Open (or return the already open) Stripe Checkout Session for the basket, in the
    shopper's language (Accept-Language, else the store's)."""
    language = negotiate(request.headers.get("accept-language", ""), settings.store_language)
    return checkout_out(await start_checkout(session, user, settings, language))
