"""Whose basket a page works on: the logged-in customer's, else the guest's basket cookie's.

After login or registration `adopt_guest_basket` merges the guest's basket into the
account's, says what did not come across, and drops the cookie.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from vitrina.accounts.models import User
from vitrina.basket.guest import GUEST_COOKIE, forget_guest, guest_from_cookie, remember_guest
from vitrina.basket.service import Guest, Owner, merge_guest_basket
from vitrina.config import get_settings
from vitrina.errors import VitrinaError
from vitrina.storefront.messages import shown
from vitrina.storefront.templating import N_, flash, translate


def page_guest(request: Request) -> Guest | None:
    """The guest the request's basket cookie names, if it carries a valid one."""
    return guest_from_cookie(request.cookies.get(GUEST_COOKIE), get_settings())


def page_shopper(user: User | None, request: Request) -> Owner:
    """The customer, else the cookie's guest, else a new guest (cookie sent by `keep_guest`)."""
    if user is not None:
        return user
    return page_guest(request) or Guest.fresh()


def keep_guest(response: Response, owner: Owner) -> Response:
    """After a guest changed their basket: (re)send the cookie, counting its life from now."""
    if isinstance(owner, Guest):
        remember_guest(response, owner, get_settings())
    return response


async def adopt_guest_basket(
    request: Request, session: AsyncSession, user: User, response: Response
) -> None:
    """Call right after a login or registration: the guest's basket joins the account's."""
    if await merge_into_account(request, session, user):
        forget_guest(response, get_settings())


async def merge_into_account(request: Request, session: AsyncSession, user: User) -> bool:
    """Merge the cookie's guest basket, if any, into the user's and say how it went; True
    when the cookie is done with."""
    guest = page_guest(request)
    if guest is None:
        return False
    try:
        merged = await merge_guest_basket(session, guest, user)
    except VitrinaError as error:
        flash(request, shown(request, error.detail), "error")
        return False
    if merged.notes:
        intro = translate(request, N_("We added your basket to your account's, with changes:"))
        details = " ".join(shown(request, note) for note in merged.notes)
        flash(request, f"{intro} {details}", "warning")
    elif merged.lines:
        flash(request, translate(request, N_("We added your basket to your account's.")), "success")
    return True
