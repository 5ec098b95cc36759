"""Products: the public list and page, staff writes, stock and images."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Request, Response, UploadFile, status

from vitrina.accounts.dependencies import BearerToken, StaffUser, optional_user
from vitrina.catalog import images, service
from vitrina.catalog.option_filters import option_filters
from vitrina.catalog.product_page import product_page
from vitrina.catalog.schemas import (
    ImageOrder,
    ImageOut,
    ImageUpdate,
    ProductCreate,
    ProductOut,
    ProductPage,
    ProductPageQuery,
    ProductQuery,
    ProductUpdate,
    StaffProductOut,
    StockChange,
)
from vitrina.catalog.translations import asked_language
from vitrina.catalog.uploads import read_limited
from vitrina.config import SettingsDep
from vitrina.currencies.catalog_prices import convert_items, convert_product, reader_pricing
from vitrina.db import SessionDep, db_helper
from vitrina.errors import ERROR_RESPONSE
from vitrina.kit.languages import Language
from vitrina.kit.query_model import openapi_query, query_model

router = APIRouter(tags=["catalog"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: ERROR_RESPONSE for code in (401, 403, 404, 409, 413, 415, 422)
}


# The two busiest requests. They take the reader and the caller inside the endpoint, and the
# list validates its query string as one model (kit/query_model.py): FastAPI's dependency
# solving and per-field query parsing cost a fifth of a list request's CPU.


@router.get(
    "/products",
    response_model=ProductPage,
    responses=ERRORS,
    openapi_extra=openapi_query(ProductQuery),
)
async def list_products(request: Request, token: BearerToken, settings: SettingsDep) -> Response:
    """Search (`q`), filter, sort and page through products (`next_cursor` for the next page).

    Any other parameter named like an option filters by its value, both as slugs or names
    (`?size=M&colour=red`: products with an active variant that is both); `facets=true`
    then also counts the matches per option value.

    Inactive products are listed only for staff asking `include_inactive=true`.
    `currency=EUR`: prices in a currency the store sells in (422 for another).
    """
    params = query_model(ProductQuery, request)
    currency = request.query_params.get("currency")
    options = option_filters((k, v) for k, v in request.query_params.items() if k != "currency")
    language = asked_language(params.lang, request.headers.get("accept-language"))
    # Anonymous: may come from the read replica; a signed-in reader's (staff) from the primary.
    async with db_helper.reading(replica=token is None) as reader:
        user = await optional_user(reader, token)
        if params.include_inactive and not (user is not None and user.is_staff):
            params = params.model_copy(update={"include_inactive": False})
        listed = await service.list_products(reader, params, language, options)
        if currency:
            convert_items(listed.items, await reader_pricing(reader, settings, currency))
    return Response(listed.json(), media_type="application/json", headers=_about(language))


def _about(language: Language) -> dict[str, str]:
    """Headers of a response whose text is in `language`, chosen by Accept-Language too."""
    return {"Content-Language": language, "Vary": "Accept-Language"}


@router.get(
    "/products/{id_or_slug}",
    response_model=StaffProductOut | ProductOut,
    responses=ERRORS,
    openapi_extra=openapi_query(ProductPageQuery),
)
async def get_product(
    request: Request, id_or_slug: str, token: BearerToken, settings: SettingsDep
) -> Response:
    """A product (by id or its slug in any language) with its images and category
    breadcrumb, in `lang` (else Accept-Language, else the store's language). Inactive: 404
    except for staff."""
    query = query_model(ProductPageQuery, request)
    language = asked_language(query.lang, request.headers.get("accept-language"))
    # Anonymous: may come from the read replica; a signed-in reader's (staff) from the primary.
    async with db_helper.reading(replica=token is None) as reader:
        user = await optional_user(reader, token)
        staff = user is not None and user.is_staff
        page = await product_page(reader, id_or_slug, staff=staff, language=language)
        if query.currency:
            convert_product(page, await reader_pricing(reader, settings, query.currency, page.id))
    # Already a validated model: sent as it is rather than checked against both schemas again.
    return Response(page.model_dump_json(), media_type="application/json", headers=_about(language))


async def _staff_view(session: SessionDep, product_id: int) -> ProductOut:
    product = await service.get_product(session, product_id, staff=True)
    await session.refresh(product, ["images"])
    return await service.product_out(session, product, staff=True)


@router.post(
    "/products",
    response_model=StaffProductOut,
    status_code=status.HTTP_201_CREATED,
    responses=ERRORS,
)
async def create_product(session: SessionDep, _staff: StaffUser, data: ProductCreate) -> ProductOut:
    product = await service.create_product(session, data)
    return await _staff_view(session, product.id)


@router.patch("/products/{product_id}", response_model=StaffProductOut, responses=ERRORS)
async def update_product(
    session: SessionDep, _staff: StaffUser, product_id: int, data: ProductUpdate
) -> ProductOut:
    product = await service.get_product(session, product_id, staff=True)
    await service.update_product(session, product, data)
    return await _staff_view(session, product.id)


@router.post("/products/{product_id}/activate", response_model=StaffProductOut, responses=ERRORS)
async def activate_product(session: SessionDep, _staff: StaffUser, product_id: int) -> ProductOut:
    product = await service.get_product(session, product_id, staff=True)
    await service.set_active(session, product, True)
    return await _staff_view(session, product.id)


@router.post("/products/{product_id}/deactivate", response_model=StaffProductOut, responses=ERRORS)
async def deactivate_product(session: SessionDep, _staff: StaffUser, product_id: int) -> ProductOut:
    product = await service.get_product(session, product_id, staff=True)
    await service.set_active(session, product, False)
    return await _staff_view(session, product.id)


@router.delete("/products/{product_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
async def delete_product(
    session: SessionDep, _staff: StaffUser, product_id: int, background: BackgroundTasks
) -> None:
    """Only a product never ordered can be deleted; otherwise 409: deactivate it."""
    product = await service.get_product(session, product_id, staff=True)
    paths = await service.delete_product(session, product)
    background.add_task(images.remove_files, paths)


@router.post("/products/{product_id}/stock", response_model=StaffProductOut, responses=ERRORS)
async def change_stock(
    session: SessionDep, staff: StaffUser, product_id: int, change: StockChange
) -> ProductOut:
    """`{"set": n}` or `{"delta": +/-n, "reason": "..."}`; stock never goes below zero (409)."""
    product = await service.get_product(session, product_id, staff=True)
    reason = change.reason or f"staff {staff.id}"
    if change.set is not None:
        await service.set_stock(session, product, change.set, reason)
    else:
        await service.adjust_stock(session, product, change.delta or 0, reason)
    return await _staff_view(session, product.id)


@router.post(
    "/products/{product_id}/images",
    response_model=ImageOut,
    status_code=status.HTTP_201_CREATED,
    responses=ERRORS,
)
async def upload_image(
    session: SessionDep,
    settings: SettingsDep,
    _staff: StaffUser,
    product_id: int,
    file: UploadFile,
    alt: Annotated[str, Form(max_length=300)] = "",
) -> ImageOut:
    """A JPEG, PNG or WebP image (checked by decoding it), at most MAX_UPLOAD_BYTES (413)."""
    product = await service.get_product(session, product_id, staff=True)
    data = await read_limited(file, settings.max_upload_bytes)
    return ImageOut.of(await images.add_image(session, product, data, alt=alt))


@router.patch("/products/{product_id}/images/{image_id}", response_model=ImageOut, responses=ERRORS)
async def update_image(
    session: SessionDep, _staff: StaffUser, product_id: int, image_id: int, data: ImageUpdate
) -> ImageOut:
    product = await service.get_product(session, product_id, staff=True)
    image = await images.get_image(session, product, image_id)
    image.alt = data.alt
    await session.flush()
    return ImageOut.of(image)


@router.put("/products/{product_id}/images/order", response_model=StaffProductOut, responses=ERRORS)
async def reorder_images(
    session: SessionDep, _staff: StaffUser, product_id: int, order: ImageOrder
) -> ProductOut:
    product = await service.get_product(session, product_id, staff=True)
    await images.reorder_images(session, product, order.image_ids)
    return await _staff_view(session, product.id)


@router.delete(
    "/products/{product_id}/images/{image_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ERRORS,
)
async def delete_image(
    session: SessionDep,
    _staff: StaffUser,
    product_id: int,
    image_id: int,
    background: BackgroundTasks,
) -> None:
    product = await service.get_product(session, product_id, staff=True)
    image = await images.get_image(session, product, image_id)
    background.add_task(images.remove_files, [await images.delete_image(session, image)])
