"""All storefront pages under one router: CSRF-checked, user-aware, out of the API schema."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from vitrina.storefront import (
    currency,
    pages_account,
    pages_addresses,
    pages_basket,
    pages_catalog,
    pages_orders,
    pages_password,
    pages_settings,
)
from vitrina.storefront.currency import shopper_currency
from vitrina.storefront.deps import web_user
from vitrina.storefront.web import verify_csrf

router = APIRouter(
    include_in_schema=False,
    dependencies=[Depends(verify_csrf), Depends(web_user), Depends(shopper_currency)],
)
ACCOUNT_PAGES = (pages_password, pages_settings, pages_addresses)
for pages in (currency, pages_account, pages_catalog, pages_basket, pages_orders, *ACCOUNT_PAGES):
    router.include_router(pages.router)
