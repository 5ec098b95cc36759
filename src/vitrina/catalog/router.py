"""The catalog's API: categories, products, images, stock, CSV import and export."""

from __future__ import annotations

from fastapi import APIRouter

from vitrina.catalog.routes_categories import router as categories_router
from vitrina.catalog.routes_csv import router as csv_router
from vitrina.catalog.routes_products import get_product, list_products
from vitrina.catalog.routes_products import router as products_router
from vitrina.catalog.routes_variants import router as variants_router
from vitrina.hot_routes import Endpoint, Serve, anonymous_read

ROUTERS: tuple[APIRouter, ...] = (
    csv_router,  # before products: /products/export is not a product slug
    products_router,  # the busiest routes, matched early
    variants_router,
    categories_router,
)
"""Included into the API one by one: each level of included routers costs every request
a second walk of its routes in FastAPI 0.165's matching."""

HOT_CATALOG_READS: dict[Endpoint, Serve] = {
    list_products: anonymous_read(list_products),
    get_product: anonymous_read(get_product),
}
"""Served past FastAPI's routing for anonymous callers (vitrina/hot_routes.py): the product
list (search included) and the product page, the store's busiest requests."""
