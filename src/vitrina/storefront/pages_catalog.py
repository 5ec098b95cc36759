"""Home, category listings, search and the product page (the catalog service does the work)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from vitrina.catalog import categories as catalog_categories
from vitrina.catalog import service as catalog_service
from vitrina.catalog.schemas import ProductQuery, ProductSort
from vitrina.config import SettingsDep, get_settings
from vitrina.db import SessionDep
from vitrina.kit.languages import Language, as_language
from vitrina.storefront.listing import SORTS, build_query
from vitrina.storefront.templating import N_, language_of, render, translate

router = APIRouter()

FEATURED_COUNT = 8
INVALID_PRICE = N_("Enter an amount such as 10 or 12.50.")
SORT_LABELS = {
    "relevance": N_("Best match"),
    "newest": N_("Newest"),
    "price_asc": N_("Price: low to high"),
    "price_desc": N_("Price: high to low"),
    "name": N_("Name"),
}


def _sort_options(request: Request, with_relevance: bool) -> list[tuple[str, str]]:
    values = [ProductSort.RELEVANCE.value] if with_relevance else []
    values += [sort.value for sort in SORTS]
    return [(value, translate(request, SORT_LABELS[value])) for value in values]


def _language(request: Request) -> Language:
    """The page's language as the catalogue's (the storefront speaks the same ones)."""
    return as_language(language_of(request)) or get_settings().store_language


@router.get("/")
async def home(request: Request, session: SessionDep) -> Response:
    language = _language(request)
    tree = await catalog_categories.category_tree(session, language)
    featured = await catalog_service.search_products(
        session,
        ProductQuery(in_stock=True, sort=ProductSort.NEWEST, limit=FEATURED_COUNT),
        language,
    )
    return render(request, "storefront/home.html", {"categories": tree, "featured": featured})


@router.get("/category/{slug}")
async def category_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    slug: str,
    sort: str = "",
    min_price: str = "",
    max_price: str = "",
    in_stock: str = "",
    cursor: str = "",
    page: int = 1,
) -> Response:
    language = _language(request)
    category = await catalog_categories.find_category(session, slug)
    node = await catalog_categories.subtree(session, category, language)
    trail = await catalog_categories.breadcrumb(session, category.id, language)
    query, form = build_query(
        currency=settings.store_currency,
        category=str(category.id),
        sort=sort,
        min_price=min_price,
        max_price=max_price,
        in_stock=in_stock,
        cursor=cursor,
        page=page,
        invalid_price=translate(request, INVALID_PRICE),
    )
    query = query.model_copy(update={"facets": True})
    results = await catalog_service.search_products(session, query, language)
    context = {
        "category": node,
        "breadcrumb": trail,
        "results": results,
        "form": form,
        "sort_options": _sort_options(request, with_relevance=False),
    }
    return render(request, "storefront/category.html", context)


@router.get("/search")
async def search_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    q: str = "",
    sort: str = "",
    min_price: str = "",
    max_price: str = "",
    in_stock: str = "",
    cursor: str = "",
    page: int = 1,
    category: str = "",
) -> Response:
    query, form = build_query(
        currency=settings.store_currency,
        q=q,
        category=category.strip()[:300] or None,
        sort=sort,
        min_price=min_price,
        max_price=max_price,
        in_stock=in_stock,
        cursor=cursor,
        page=page,
        invalid_price=translate(request, INVALID_PRICE),
    )
    query = query.model_copy(update={"facets": True})
    language = _language(request)
    results = await catalog_service.search_products(session, query, language) if form.q else None
    context = {
        "results": results,
        "form": form,
        "query": form.q,
        "sort_options": _sort_options(request, with_relevance=True),
    }
    return render(request, "storefront/search.html", context)


@router.get("/product/{slug}")
async def product_page(request: Request, session: SessionDep, slug: str) -> Response:
    """By its slug in any language; shown in the shopper's (`details.slug` is canonical)."""
    product = await catalog_service.get_product(session, slug)
    details = await catalog_service.product_out(
        session, product, staff=False, language=_language(request)
    )
    return render(request, "storefront/product.html", {"product": details})
