"""The shopper's currency on the storefront: the switcher's choice, kept in a cookie, read
once per page (`request.state.pricing`) for the prices shown, the basket and checkout."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from vitrina.config import SettingsDep
from vitrina.currencies import service as currencies
from vitrina.currencies.pricing import Pricing, in_default
from vitrina.db import SessionDep
from vitrina.storefront.web import safe_next

router = APIRouter()

CURRENCY_COOKIE = "vitrina_currency"


async def shopper_currency(request: Request, session: SessionDep, settings: SettingsDep) -> None:
    """Every storefront page: the chosen currency's pricing and the switcher's codes."""
    pricing, offered = await currencies.shopper_choice(
        session, settings, request.cookies.get(CURRENCY_COOKIE)
    )
    request.state.pricing = pricing
    request.state.currencies = offered


def page_pricing(request: Request, default: str) -> Pricing:
    pricing = getattr(request.state, "pricing", None)
    return pricing if isinstance(pricing, Pricing) else in_default(default)


def chosen_currency(request: Request) -> str | None:
    """The currency the shopper picked (None: the store's)."""
    pricing = getattr(request.state, "pricing", None)
    return pricing.currency if isinstance(pricing, Pricing) else None


@router.get("/currency/{code}")
async def switch_currency(request: Request, code: str, next: str = "/") -> Response:
    """The switcher's links: remember the currency (one the store offers) and go back."""
    response = RedirectResponse(safe_next(next), status_code=303)
    code = code.lower()
    if code in getattr(request.state, "currencies", ()):
        response.set_cookie(
            CURRENCY_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", httponly=True
        )
    return response
