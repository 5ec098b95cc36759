"""Saved shipping addresses: list, add, edit, delete, choose the default."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from vitrina.accounts import addresses
from vitrina.accounts.schemas import AddressIn, shipping_countries
from vitrina.db import SessionDep
from vitrina.errors import Conflict
from vitrina.kit.bounds import PathId
from vitrina.storefront import i18n
from vitrina.storefront.deps import WebUser, require_user
from vitrina.storefront.templating import N_, flash, language_of, render, translate

router = APIRouter()

ADDRESSES = "/account/addresses"
FIELD_MAX = 1000
Field = Annotated[str, Form(max_length=FIELD_MAX)]
ERRORS = {
    "missing": N_("Fill in this field."),
    "string_too_short": N_("Fill in this field."),
    "string_too_long": N_("This is too long."),
    "string_pattern_mismatch": N_("Use digits, spaces and + ( ) - . only."),
}
NOT_SHIPPED = N_("We do not ship to this country.")


class AddressForm:
    """The address form's fields, as FastAPI reads them from the posted form."""

    def __init__(
        self,
        name: Field = "",
        line1: Field = "",
        line2: Field = "",
        city: Field = "",
        postal_code: Field = "",
        state: Field = "",
        country: Field = "",
        phone: Field = "",
    ) -> None:
        self.values = {
            "name": name,
            "line1": line1,
            "line2": line2,
            "city": city,
            "postal_code": postal_code,
            "state": state,
            "country": country,
            "phone": phone,
        }

    def validated(self, request: Request) -> tuple[AddressIn | None, dict[str, str]]:
        try:
            return AddressIn.model_validate(self.values), {}
        except ValidationError as exc:
            errors: dict[str, str] = {}
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else "form"
                message = NOT_SHIPPED if field == "country" else ERRORS.get(error["type"])
                errors.setdefault(field, translate(request, message or ERRORS["missing"]))
            return None, errors


def _countries(request: Request) -> list[tuple[str, str]]:
    language = language_of(request)
    return [(code, i18n.country(code, language)) for code in shipping_countries()]


def _form_page(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    address_id: int | None = None,
) -> Response:
    context = {
        "values": values,
        "errors": errors,
        "address_id": address_id,
        "countries": _countries(request),
    }
    status = 400 if errors else 200
    return render(request, "storefront/account_address_form.html", context, status_code=status)


def _to_list(request: Request, message: str) -> Response:
    flash(request, translate(request, message))
    return RedirectResponse(ADDRESSES, status_code=303)


@router.get(ADDRESSES)
async def addresses_page(request: Request, session: SessionDep, user: WebUser) -> Response:
    customer = require_user(request, user)
    saved = await addresses.list_addresses(session, customer)
    return render(request, "storefront/account_addresses.html", {"addresses": saved})


@router.get(f"{ADDRESSES}/new")
async def new_address_page(request: Request, user: WebUser) -> Response:
    customer = require_user(request, user)
    values = {"name": customer.full_name, "country": ""}
    return _form_page(request, values, {})


@router.post(ADDRESSES)
async def add_address(
    request: Request,
    session: SessionDep,
    user: WebUser,
    form: Annotated[AddressForm, Depends()],
    make_default: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    customer = require_user(request, user, ADDRESSES)
    data, errors = form.validated(request)
    if data is None:
        return _form_page(request, form.values, errors)
    try:
        await addresses.add_address(session, customer, data, make_default=bool(make_default))
    except Conflict:
        message = translate(
            request, N_("You can keep at most %(num)d addresses; delete one first.")
        )
        errors = {"form": message % {"num": addresses.MAX_ADDRESSES}}
        return _form_page(request, form.values, errors)
    return _to_list(request, N_("The address has been saved."))


@router.get(f"{ADDRESSES}/{{address_id}}/edit")
async def edit_address_page(
    request: Request, session: SessionDep, user: WebUser, address_id: PathId
) -> Response:
    customer = require_user(request, user)
    address = await addresses.get_address(session, customer, address_id)
    values = {field: str(getattr(address, field)) for field in AddressForm().values}
    return _form_page(request, values, {}, address_id=address.id)


@router.post(f"{ADDRESSES}/{{address_id}}")
async def update_address(
    request: Request,
    session: SessionDep,
    user: WebUser,
    address_id: PathId,
    form: Annotated[AddressForm, Depends()],
) -> Response:
    customer = require_user(request, user, ADDRESSES)
    await addresses.get_address(session, customer, address_id)
    data, errors = form.validated(request)
    if data is None:
        return _form_page(request, form.values, errors, address_id=address_id)
    await addresses.update_address(session, customer, address_id, data)
    return _to_list(request, N_("The address has been saved."))


@router.post(f"{ADDRESSES}/{{address_id}}/default")
async def make_default(
    request: Request, session: SessionDep, user: WebUser, address_id: PathId
) -> Response:
    customer = require_user(request, user, ADDRESSES)
    await addresses.make_default(session, customer, address_id)
    return _to_list(request, N_("This is now your default address."))


@router.post(f"{ADDRESSES}/{{address_id}}/delete")
async def delete_address(
    request: Request, session: SessionDep, user: WebUser, address_id: PathId
) -> Response:
    customer = require_user(request, user, ADDRESSES)
    await addresses.delete_address(session, customer, address_id)
    return _to_list(request, N_("The address has been deleted."))
