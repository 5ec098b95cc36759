"""Home, all products, category listings, search and the product page (the catalog service
does the work)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from vitrina.catalog import categories as catalog_categories
from vitrina.catalog import service as catalog_service
from vitrina.catalog.schemas import ProductQuery, ProductSort
from vitrina.config import Settings, SettingsDep, get_settings
from vitrina.currencies import service as currencies
from vitrina.db import SessionDep
from vitrina.kit.languages import Language, as_language
from vitrina.storefront.currency import page_pricing
from vitrina.storefront.listing import SORTS, ListingForm, build_query
from vitrina.storefront.seo import page_links, product_json_ld
from vitrina.storefront.templating import N_, language_of, render, translate
from vitrina.storefront.variant_picker import gallery, pick

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


@dataclass
class Typed:
    """A listing's query string as typed (`listing.build_query` makes sense of it)."""

    sort: str = ""
    min_price: str = ""
    max_price: str = ""
    in_stock: str = ""
    cursor: str = ""
    page: int = 1


async def typed_query(
    sort: str = "",
    min_price: str = "",
    max_price: str = "",
    in_stock: str = "",
    cursor: str = "",
    page: int = 1,
) -> Typed:
    """`Typed` from the query string. A coroutine on purpose: FastAPI runs a class or plain
    function dependency in a worker thread, a thread hop on every listing page."""
    return Typed(sort, min_price, max_price, in_stock, cursor, page)


TypedDep = Annotated[Typed, Depends(typed_query)]


def _listing(
    request: Request,
    settings: Settings,
    typed: Typed,
    *,
    q: str = "",
    category: str | None = None,
    category_filter: str = "",
) -> tuple[ProductQuery, ListingForm]:
    return build_query(
        pricing=page_pricing(request, settings.store_currency),
        language=language_of(request),
        invalid_price=translate(request, INVALID_PRICE),
        q=q,
        category=category,
        category_filter=category_filter,
        sort=typed.sort,
        min_price=typed.min_price,
        max_price=typed.max_price,
        in_stock=typed.in_stock,
        cursor=typed.cursor,
        page=typed.page,
    )


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


@router.get("/products")
async def all_products(
    request: Request, session: SessionDep, settings: SettingsDep, typed: TypedDep
) -> Response:
    language = _language(request)
    query, form = _listing(request, settings, typed)
    context = {
        "categories": await catalog_categories.category_tree(session, language),
        "results": await catalog_service.search_products(session, query, language),
        "form": form,
        "sort_options": _sort_options(request, with_relevance=False),
    }
    return render(request, "storefront/products.html", context)


@router.get("/category/{slug}")
async def category_page(
    request: Request, session: SessionDep, settings: SettingsDep, slug: str, typed: TypedDep
) -> Response:
    language = _language(request)
    category = await catalog_categories.find_category(session, slug)
    node = await catalog_categories.subtree(session, category, language)
    trail = await catalog_categories.breadcrumb(session, category.id, language)
    query, form = _listing(request, settings, typed, category=str(category.id))
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
    typed: TypedDep,
    q: str = "",
    category: str = "",
) -> Response:
    query, form = _listing(request, settings, typed, q=q, category_filter=category)
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
async def product_page(
    request: Request, session: SessionDep, settings: SettingsDep, slug: str
) -> Response:
    """By its slug in any language; shown in the shopper's (`details.slug` is canonical)."""
    product = await catalog_service.get_product(session, slug)
    details = await catalog_service.product_out(
        session, product, staff=False, language=_language(request)
    )
    # Each language's address carries that language's slug.
    paths: dict[str, str] = {lang: f"/product/{slug}" for lang, slug in details.slugs.items()}
    links = page_links(request, settings.public_base_url, language_of(request), paths)
    picked = pick(details, dict(request.query_params))
    request.state.pricing = await currencies.with_hand_set(
        session,
        page_pricing(request, settings.store_currency),
        [v.id for v in details.variants or []],
    )
    context = {
        "product": details,
        "picked": picked,
        "variant": picked.variant,
        "gallery": gallery(details, picked.variant),
        "links": links,
    }
    if _swapping(request):
        response = render(request, "storefront/_product_main.html", context)
    else:
        context["product_data"] = product_json_ld(
            details, links.canonical, settings.public_base_url
        )
        response = render(request, "storefront/product.html", context)
    response.headers["Vary"] += ", HX-Request"
    return response


def _swapping(request: Request) -> bool:
    """An option picked with JavaScript on: htmx swaps the variant's part of the page in
    (a history restore asks for the whole page)."""
    headers = request.headers
    return headers.get("hx-request") == "true" and "hx-history-restore-request" not in headers
