"""The catalog's API: categories, products, images, stock, CSV import and export."""

from fastapi import APIRouter

from vitrina.catalog.routes_categories import router as categories_router
from vitrina.catalog.routes_csv import router as csv_router
from vitrina.catalog.routes_products import router as products_router

router = APIRouter()
router.include_router(csv_router)  # before products: /products/export is not a product slug
router.include_router(products_router)  # the busiest routes, matched early
router.include_router(categories_router)
