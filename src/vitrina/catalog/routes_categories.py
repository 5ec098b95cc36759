"""Categories: the public tree and staff writes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from sqlalchemy.ext.asyncio import AsyncSession

from vitrina.accounts.dependencies import StaffUser
from vitrina.catalog import categories as service
from vitrina.catalog.schemas import CategoryCreate, CategoryNode, CategoryOut, CategoryUpdate
from vitrina.catalog.translations import asked_language
from vitrina.db import PublicReaderDep, SessionDep, db_helper
from vitrina.errors import ERROR_RESPONSE
from vitrina.kit.languages import Language

router = APIRouter(tags=["catalog"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: ERROR_RESPONSE for code in (401, 403, 404, 409, 422)
}


async def _out(
    session: AsyncSession, category_id: int, language: Language | None = None
) -> CategoryOut:
    category = await service.find_category(session, category_id)
    node = await service.subtree(session, category, language)
    trail = await service.breadcrumb(session, category.id, language)
    return service.category_out(node, category, trail)


def _language(request: Request, lang: Language | None) -> Language:
    return asked_language(lang, request.headers.get("accept-language"))


@router.get("/categories", response_model=list[CategoryNode])
async def list_categories(
    request: Request, reader: PublicReaderDep, lang: Language | None = None
) -> list[CategoryNode]:
    """Every category as a tree, named in `lang` (else Accept-Language, else the store's)."""
    return await service.category_tree(reader, _language(request, lang))


@router.get("/categories/{id_or_slug}", response_model=CategoryOut, responses=ERRORS)
async def get_category(
    request: Request, reader: PublicReaderDep, id_or_slug: str, lang: Language | None = None
) -> CategoryOut:
    """A category (by id or its slug in any language) with its subcategories and
    breadcrumb; its products are `GET /products?category=...` (subcategories' included)."""
    async with db_helper.session_over(reader) as session:
        category = await service.find_category(session, id_or_slug)
        return await _out(session, category.id, _language(request, lang))


@router.post(
    "/categories", response_model=CategoryOut, status_code=status.HTTP_201_CREATED, responses=ERRORS
)
async def create_category(
    session: SessionDep, _staff: StaffUser, data: CategoryCreate
) -> CategoryOut:
    category = await service.create_category(session, data)
    return await _out(session, category.id)


@router.patch("/categories/{category_id}", response_model=CategoryOut, responses=ERRORS)
async def update_category(
    session: SessionDep, _staff: StaffUser, category_id: int, data: CategoryUpdate
) -> CategoryOut:
    category = await service.find_category(session, category_id)
    await service.update_category(session, category, data)
    return await _out(session, category.id)


@router.delete(
    "/categories/{category_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS
)
async def delete_category(session: SessionDep, _staff: StaffUser, category_id: int) -> None:
    """Refused (409) while the category has products or subcategories."""
    category = await service.find_category(session, category_id)
    await service.delete_category(session, category)
