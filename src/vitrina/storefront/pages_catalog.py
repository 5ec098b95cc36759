"""Home, category listings, search and the product page (the catalog service does the work)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from vitrina.catalog import categories as catalog_categories
from vitrina.catalog import service as catalog_service
from vitrina.catalog.schemas import ProductQuery, ProductSort
from vitrina.config import SettingsDep
from vitrina.db import SessionDep
from vitrina.storefront.listing import SORTS, build_query
from vitrina.storefront.templating import N_, render, translate

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


@router.get("/")
async def home(request: Request, session: SessionDep) -> Response:
    tree = await catalog_categories.category_tree(session)
    featured = await catalog_service.search_products(
        session, ProductQuery(in_stock=True, sort=ProductSort.NEWEST, limit=FEATURED_COUNT)
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
    category = await catalog_categories.find_category(session, slug)
    node = await catalog_categories.subtree(session, category)
    trail = await catalog_categories.breadcrumb(session, category.id)
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
    results = await catalog_service.search_products(session, query)
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
) -> Response:
    query, form = build_query(
        currency=settings.store_currency,
        q=q,
        sort=sort,
        min_price=min_price,
        max_price=max_price,
        in_stock=in_stock,
        cursor=cursor,
        page=page,
        invalid_price=translate(request, INVALID_PRICE),
    )
    results = await catalog_service.search_products(session, query) if form.q else None
    context = {
        "results": results,
        "form": form,
        "query": form.q,
        "sort_options": _sort_options(request, with_relevance=True),
    }
    return render(request, "storefront/search.html", context)


@router.get("/product/{slug}")
async def product_page(request: Request, session: SessionDep, slug: str) -> Response:
    product = await catalog_service.get_product(session, slug)
    details = await catalog_service.product_out(session, product, staff=False)
    return render(request, "storefront/product.html", {"product": details})
