"""The caller's saved shipping addresses and email change, over the JSON API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query, Response, status
from pydantic import EmailStr

from vitrina.accounts import addresses, email_change, emails
from vitrina.accounts.dependencies import AskedLanguage, CurrentUser
from vitrina.accounts.models import ShippingAddress, User
from vitrina.accounts.router import errors
from vitrina.accounts.schemas import AddressIn, AddressOut, Body, OpaqueToken, Password, UserOut
from vitrina.db import SessionDep
from vitrina.kit.bounds import PathId

router = APIRouter(tags=["accounts"])
ADDRESSES = "/users/me/addresses"


class EmailChangeIn(Body):
    new_email: EmailStr
    password: Password


class EmailConfirmIn(Body):
    token: OpaqueToken


@router.get(ADDRESSES, response_model=list[AddressOut], responses=errors(401))
async def list_addresses(user: CurrentUser, session: SessionDep) -> Sequence[ShippingAddress]:
    return await addresses.list_addresses(session, user)


@router.post(
    ADDRESSES,
    status_code=status.HTTP_201_CREATED,
    response_model=AddressOut,
    responses=errors(401, 409, 422),
)
async def add_address(
    body: AddressIn,
    user: CurrentUser,
    session: SessionDep,
    default: Annotated[bool, Query(description="Make it the default address.")] = False,
) -> ShippingAddress:
    """The first address saved becomes the default."""
    return await addresses.add_address(session, user, body, make_default=default)


@router.put(f"{ADDRESSES}/{{address_id}}", response_model=AddressOut, responses=errors(401, 404))
async def update_address(
    address_id: PathId, body: AddressIn, user: CurrentUser, session: SessionDep
) -> ShippingAddress:
    return await addresses.update_address(session, user, address_id, body)


@router.post(
    f"{ADDRESSES}/{{address_id}}/default", response_model=AddressOut, responses=errors(401, 404)
)
async def make_default(address_id: PathId, user: CurrentUser, session: SessionDep) -> Any:
    return await addresses.make_default(session, user, address_id)


@router.delete(
    f"{ADDRESSES}/{{address_id}}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(401, 404),
)
async def delete_address(address_id: PathId, user: CurrentUser, session: SessionDep) -> Response:
    """Deleting the default address makes the newest other one the default."""
    await addresses.delete_address(session, user, address_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/users/me/email", status_code=status.HTTP_202_ACCEPTED, responses=errors(400, 401, 409)
)
async def request_email_change(
    body: EmailChangeIn,
    user: CurrentUser,
    session: SessionDep,
    background: BackgroundTasks,
    language: AskedLanguage,
) -> dict[str, str]:
    """Mail a confirmation link to the new address; the account keeps the old one until the
    link is used (`POST /auth/email/confirm`). Mails are in the account's language, else
    the one Accept-Language asks for."""
    address, token = await email_change.request_email_change(
        session, user, str(body.new_email), body.password
    )
    mail_in = user.locale or language
    background.add_task(emails.send_email_change_confirmation, address, token, mail_in)
    return {"detail": f"A confirmation link is on its way to {address}."}


@router.post("/auth/email/confirm", response_model=UserOut, responses=errors(400, 409))
async def confirm_email_change(
    body: EmailConfirmIn, session: SessionDep, background: BackgroundTasks, language: AskedLanguage
) -> User:
    user, previous = await email_change.confirm_email_change(session, body.token)
    mail_in = user.locale or language
    background.add_task(emails.send_email_changed_notice, previous, user.email, mail_in)
    return user
