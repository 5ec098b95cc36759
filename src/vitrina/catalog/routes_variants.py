"""A product's options and variants: read by anyone, edited by staff."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status

from vitrina.accounts.dependencies import StaffUser
from vitrina.catalog import service
from vitrina.catalog import variant_service as variants
from vitrina.catalog.translations import asked_language
from vitrina.catalog.variant_schemas import (
    GenerateIn,
    OptionIn,
    OptionUpdate,
    OptionValueIn,
    OptionValueUpdate,
    VariantIn,
    VariantsChange,
    VariantsOut,
    VariantUpdate,
)
from vitrina.config import get_settings
from vitrina.db import SessionDep
from vitrina.errors import ERROR_RESPONSE
from vitrina.kit.bounds import PathId
from vitrina.kit.languages import Language

router = APIRouter(tags=["catalog"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: ERROR_RESPONSE for code in (401, 403, 404, 409, 422)
}


async def _out(session: SessionDep, product_id: int, *, staff: bool) -> VariantsOut:
    product = await service.get_product(session, product_id, staff=staff)
    return await variants.variants_out(session, product, get_settings().store_language, staff=staff)


@router.get("/products/{product_id}/variants", response_model=VariantsOut, responses=ERRORS)
async def list_variants(
    request: Request, session: SessionDep, product_id: PathId, lang: Language | None = None
) -> VariantsOut:
    """The product's options (in order, with their values) and its active variants, in
    `lang` (else Accept-Language, else the store's language)."""
    language = asked_language(lang, request.headers.get("accept-language"))
    product = await service.get_product(session, product_id)
    return await variants.variants_out(session, product, language)


@router.post(
    "/products/{product_id}/options",
    response_model=VariantsOut,
    status_code=status.HTTP_201_CREATED,
    responses=ERRORS,
)
async def add_option(
    session: SessionDep, _staff: StaffUser, product_id: PathId, data: OptionIn
) -> VariantsOut:
    """Add an option (Size) with its values (S, M, L), before any variant is made of them."""
    product = await service.get_product(session, product_id, staff=True)
    await variants.add_option(session, product, data)
    return await _out(session, product_id, staff=True)


@router.post(
    "/products/{product_id}/options/{option_id}/values",
    response_model=VariantsOut,
    status_code=status.HTTP_201_CREATED,
    responses=ERRORS,
)
async def add_value(
    session: SessionDep,
    _staff: StaffUser,
    product_id: PathId,
    option_id: PathId,
    data: OptionValueIn,
) -> VariantsOut:
    product = await service.get_product(session, product_id, staff=True)
    option = await variants.get_option(session, product, option_id)
    await variants.add_value(session, option, data)
    return await _out(session, product_id, staff=True)


@router.patch(
    "/products/{product_id}/options/{option_id}", response_model=VariantsOut, responses=ERRORS
)
async def update_option(
    session: SessionDep,
    _staff: StaffUser,
    product_id: PathId,
    option_id: PathId,
    data: OptionUpdate,
) -> VariantsOut:
    """Rename an option; 409 when the product has another of that name."""
    product = await service.get_product(session, product_id, staff=True)
    option = await variants.get_option(session, product, option_id)
    await variants.update_option(session, product, option, data)
    return await _out(session, product_id, staff=True)


@router.patch(
    "/products/{product_id}/options/{option_id}/values/{value_id}",
    response_model=VariantsOut,
    responses=ERRORS,
)
async def update_value(
    session: SessionDep,
    _staff: StaffUser,
    product_id: PathId,
    option_id: PathId,
    value_id: PathId,
    data: OptionValueUpdate,
) -> VariantsOut:
    """Rename a value or move it to `position`; 409 when the option has that value."""
    product = await service.get_product(session, product_id, staff=True)
    option = await variants.get_option(session, product, option_id)
    await variants.update_value(session, option, value_id, data)
    return await _out(session, product_id, staff=True)


@router.delete(
    "/products/{product_id}/options/{option_id}/values/{value_id}",
    response_model=VariantsOut,
    responses=ERRORS,
)
async def delete_value(
    session: SessionDep,
    _staff: StaffUser,
    product_id: PathId,
    option_id: PathId,
    value_id: PathId,
) -> VariantsOut:
    """Delete a value; 409 naming the variants that use it."""
    product = await service.get_product(session, product_id, staff=True)
    option = await variants.get_option(session, product, option_id)
    await variants.delete_value(session, product, option, value_id)
    return await _out(session, product_id, staff=True)


@router.delete(
    "/products/{product_id}/options/{option_id}", response_model=VariantsOut, responses=ERRORS
)
async def delete_option(
    session: SessionDep, _staff: StaffUser, product_id: PathId, option_id: PathId
) -> VariantsOut:
    """Delete an option; 409 naming the variants that use its values."""
    product = await service.get_product(session, product_id, staff=True)
    option = await variants.get_option(session, product, option_id)
    await variants.delete_option(session, product, option)
    return await _out(session, product_id, staff=True)


@router.post(
    "/products/{product_id}/variants",
    response_model=VariantsOut,
    status_code=status.HTTP_201_CREATED,
    responses=ERRORS,
)
async def add_variant(
    session: SessionDep, _staff: StaffUser, product_id: PathId, data: VariantIn
) -> VariantsOut:
    """Add a variant: one value of each option. 409 for a combination or SKU taken."""
    product = await service.get_product(session, product_id, staff=True)
    await variants.add_variant(session, product, data)
    return await _out(session, product_id, staff=True)


@router.post(
    "/products/{product_id}/variants/generate",
    response_model=VariantsOut,
    status_code=status.HTTP_201_CREATED,
    responses=ERRORS,
)
async def generate_variants(
    session: SessionDep, _staff: StaffUser, product_id: PathId, data: GenerateIn
) -> VariantsOut:
    """A variant for every combination of the options' values not sold yet, at `price`
    (default: the product's) with `stock` each; then set each one's SKU, price and stock."""
    product = await service.get_product(session, product_id, staff=True)
    await variants.generate_variants(session, product, price=data.price, stock=data.stock)
    return await _out(session, product_id, staff=True)


@router.patch("/products/{product_id}/variants", response_model=VariantsOut, responses=ERRORS)
async def update_variants(
    session: SessionDep, _staff: StaffUser, product_id: PathId, data: VariantsChange
) -> VariantsOut:
    """Change several variants at once (bulk price and stock edits): all or none."""
    product = await service.get_product(session, product_id, staff=True)
    changes = [
        (change.id, VariantUpdate(**change.model_dump(exclude={"id"}, exclude_unset=True)))
        for change in data.variants
    ]
    await variants.update_variants(session, product, changes)
    return await _out(session, product_id, staff=True)


@router.patch(
    "/products/{product_id}/variants/{variant_id}", response_model=VariantsOut, responses=ERRORS
)
async def update_variant(
    session: SessionDep,
    _staff: StaffUser,
    product_id: PathId,
    variant_id: PathId,
    data: VariantUpdate,
) -> VariantsOut:
    product = await service.get_product(session, product_id, staff=True)
    variant = await variants.get_variant(session, product, variant_id)
    await variants.update_variant(session, product, variant, data)
    return await _out(session, product_id, staff=True)


@router.delete(
    "/products/{product_id}/variants/{variant_id}", response_model=VariantsOut, responses=ERRORS
)
async def delete_variant(
    session: SessionDep, _staff: StaffUser, product_id: PathId, variant_id: PathId
) -> VariantsOut:
    """Delete a variant never sold (409 otherwise: deactivate it)."""
    product = await service.get_product(session, product_id, staff=True)
    variant = await variants.get_variant(session, product, variant_id)
    await variants.delete_variant(session, product, variant)
    return await _out(session, product_id, staff=True)
