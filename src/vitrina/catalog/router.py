"""The catalog's API: categories, products, images, stock, CSV import and export."""

from fastapi import APIRouter

from vitrina.catalog.routes_categories import router as categories_router
from vitrina.catalog.routes_csv import router as csv_router
from vitrina.catalog.routes_products import router as products_router

router = APIRouter()
router.include_router(categories_router)
router.include_router(csv_router)
router.include_router(products_router)
