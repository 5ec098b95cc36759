"""Basket and checkout endpoints. Every error is `{"detail": <message to show as is>}`.

The basket is a customer's (bearer token) or, without a token, a guest's: the signed
`vitrina_basket` cookie names it, and the first write sets that cookie. A request that carries
both merges the guest's basket into the customer's once (`notices` says what did not come
across) and drops the cookie. Checkout needs a customer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import APIKeyCookie

from vitrina.accounts.dependencies import BearerToken, CurrentUser, oauth2_scheme, signed_in
from vitrina.basket import service
from vitrina.basket.checkout import start_checkout
from vitrina.basket.guest import (
    GUEST_BASKET_DAYS,
    GUEST_COOKIE,
    Guest,
    forget_guest,
    guest_from_cookie,
    remember_guest,
)
from vitrina.basket.schemas import BasketOut, CheckoutOut, PromoIn, QuantityIn
from vitrina.basket.view import basket_view, checkout_out
from vitrina.config import SettingsDep, get_settings
from vitrina.currencies.schemas import CurrencyQuery
from vitrina.db import SessionDep
from vitrina.errors import ERROR_RESPONSE
from vitrina.hot_routes import Endpoint, Serve, json_body, plain_id
from vitrina.kit.bounds import PathId
from vitrina.kit.languages import negotiate
from vitrina.reads import write_session
from vitrina.shipping.schemas import CountryQuery

router = APIRouter(tags=["basket"])

ERRORS: dict[int | str, dict[str, Any]] = {
    code: ERROR_RESPONSE for code in (401, 404, 409, 422, 503)
}
guest_cookie = APIKeyCookie(
    name=GUEST_COOKIE,
    scheme_name="GuestBasket",
    auto_error=False,
    description=(
        "A guest's basket, without an account: the store sets this signed cookie on a "
        "guest's first change to the basket and keeps it for "
        f"{GUEST_BASKET_DAYS} days after the latest one. Sent together with a bearer token, "
        "the guest's basket is merged into the customer's and the cookie is dropped."
    ),
)


@dataclass
class Shopper:
    owner: service.Owner
    notices: list[str] = field(default_factory=list)


async def basket_shopper(
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    token: BearerToken,
    cookie: Annotated[str | None, Depends(guest_cookie)],
) -> Shopper:
    """The customer with a token (who it is: `SignedIn`), else the guest the cookie names
    (or a new guest)."""
    guest = guest_from_cookie(cookie, settings)
    if token:
        user = await signed_in(session, token)
        if guest is None:
            return Shopper(user)
        merged = await service.merge_guest_basket(session, guest, user)
        forget_guest(response, settings)
        return Shopper(user, merged.notes)
    return Shopper(guest or Guest.fresh())


async def changing_shopper(
    shopper: Annotated[Shopper, Depends(basket_shopper)],
    settings: SettingsDep,
    response: Response,
) -> Shopper:
    """For the writes: a guest's cookie is (re)sent, so it lives on from the latest change."""
    if isinstance(shopper.owner, Guest):
        remember_guest(response, shopper.owner, settings)
    return shopper


ShopperDep = Annotated[Shopper, Depends(basket_shopper)]
ChangingShopperDep = Annotated[Shopper, Depends(changing_shopper)]


@router.get("/basket", response_model=BasketOut, responses=ERRORS)
async def get_basket(
    session: SessionDep,
    shopper: ShopperDep,
    settings: SettingsDep,
    country: CountryQuery = None,
    currency: CurrencyQuery = None,
) -> BasketOut:
    """The basket, with the shipping options to `country`, in `currency`."""
    return await basket_view(
        session,
        shopper.owner,
        settings,
        notices=shopper.notices,
        country=country,
        currency=currency,
    )


# The busiest basket request (a change, with the whole basket as its answer) reads its
# shopper inside the endpoint rather than through FastAPI's dependency solving, and sends
# its answer as the validated model it already is rather than having it checked again.
_GUEST_COOKIE_SECURITY: dict[str, Any] = {"security": [{guest_cookie.scheme_name: []}]}


@router.put(
    "/basket/items/{product_id}",
    response_model=BasketOut,
    responses=ERRORS,
    openapi_extra=_GUEST_COOKIE_SECURITY,  # the cookie, read from `request` below
)
async def put_item(
    request: Request,
    product_id: PathId,
    body: QuantityIn,
    session: SessionDep,
    token: BearerToken,
    settings: SettingsDep,
) -> Response:
    """Set the quantity of a product's variant in the basket (0 removes it); `variant_id`
    may be left out for a product sold in one variant."""
    cookies = Response()  # the guest cookie set or dropped, as FastAPI's `Response` parameter
    shopper = await basket_shopper(
        session, settings, cookies, token, request.cookies.get(GUEST_COOKIE)
    )
    shopper = await changing_shopper(shopper, settings, cookies)
    basket = await service.set_quantity(
        session, shopper.owner, product_id, body.quantity, body.variant_id
    )
    answer = await basket_view(
        session, shopper.owner, settings, notices=shopper.notices, basket=basket
    )
    return _json(answer, cookies)


async def _put_item_past_routing(request: Request, parameters: dict[str, str]) -> Response | None:
    """`put_item` as FastAPI calls it, for a request whose path and body FastAPI would take
    as they are (else None: FastAPI answers it, with its 422), in the request's session."""
    product_id = plain_id(parameters["product_id"])
    body = await json_body(request, QuantityIn)
    if product_id is None or body is None:
        return None
    token = await oauth2_scheme(request)
    async with write_session() as session:
        return await put_item(request, product_id, body, session, token, get_settings())


HOT_BASKET_WRITES: dict[Endpoint, Serve] = {put_item: _put_item_past_routing}
"""Served past FastAPI's routing (vitrina/hot_routes.py): the basket change, the busiest
write (a flash sale is mostly these)."""


def _json(answer: BasketOut, cookies: Response) -> Response:
    """`answer` as JSON, with the cookies set on `cookies`."""
    response = Response(answer.model_dump_json(), media_type="application/json")
    response.raw_headers.extend(h for h in cookies.raw_headers if h[0] == b"set-cookie")
    return response


@router.delete("/basket/items/{product_id}", response_model=BasketOut, responses=ERRORS)
async def delete_item(
    product_id: PathId,
    session: SessionDep,
    shopper: ChangingShopperDep,
    settings: SettingsDep,
    variant_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> BasketOut:
    """Remove a product's variant (`variant_id`), or all of the product, from the basket."""
    await service.remove_item(session, shopper.owner, product_id, variant_id)
    return await basket_view(session, shopper.owner, settings, notices=shopper.notices)


@router.put("/basket/promo", response_model=BasketOut, responses=ERRORS)
async def put_promo(
    body: PromoIn, session: SessionDep, shopper: ChangingShopperDep, settings: SettingsDep
) -> BasketOut:
    """Apply a coupon by its number (case-insensitive)."""
    await service.apply_promo(session, shopper.owner, body.code)
    return await basket_view(session, shopper.owner, settings, notices=shopper.notices)


@router.delete("/basket/promo", response_model=BasketOut, responses=ERRORS)
async def delete_promo(
    session: SessionDep, shopper: ChangingShopperDep, settings: SettingsDep
) -> BasketOut:
    await service.remove_promo(session, shopper.owner)
    return await basket_view(session, shopper.owner, settings, notices=shopper.notices)


@router.post("/checkout", response_model=CheckoutOut, responses=ERRORS)
async def checkout(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    country: CountryQuery = None,
    currency: CurrencyQuery = None,
) -> CheckoutOut:
    """Open (or return the already open) Stripe Checkout Session for the basket, in the
    shopper's language (Accept-Language, else the store's), shipping to `country` (Stripe's
    page then accepts addresses in that country's zone); customers only: a guest logs in or
    registers first, which merges the guest's basket. Priced and charged in `currency`."""
    language = negotiate(request.headers.get("accept-language", ""), settings.store_language)
    opened = await start_checkout(session, user, settings, language, country, currency)
    return checkout_out(opened)
