"""The staff admin at /admin (sqladmin), writing through the same services as the API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from vitrina.admin.audit_hooks import admin_sessions
from vitrina.admin.auth import StaffAuthentication
from vitrina.admin.catalog_views import CategoryAdmin, ProductAdmin
from vitrina.admin.currency_views import StoreCurrencyAdmin
from vitrina.admin.import_pages import CsvImportLink
from vitrina.admin.order_views import OrderAdmin
from vitrina.admin.people_views import AuditAdmin, UserAdmin
from vitrina.admin.sales_views import CouponAdmin
from vitrina.admin.shipping_views import ShippingMethodAdmin, ShippingZoneAdmin
from vitrina.admin.site import VitrinaAdmin
from vitrina.admin.sync_views import CouponSyncAdmin, ProductSyncAdmin
from vitrina.admin.tax_views import TaxRateAdmin
from vitrina.errors import install_data_error_handlers

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates" / "admin"
VIEWS = (
    OrderAdmin,
    ProductAdmin,
    CategoryAdmin,
    CsvImportLink,
    CouponAdmin,
    ShippingZoneAdmin,
    ShippingMethodAdmin,
    TaxRateAdmin,
    StoreCurrencyAdmin,
    UserAdmin,
    ProductSyncAdmin,
    CouponSyncAdmin,
    AuditAdmin,
)


def install_admin(app: FastAPI) -> VitrinaAdmin:
    """Mount the admin at /admin. Needs the storefront's SessionMiddleware (install_storefront)."""
    admin = VitrinaAdmin(
        app,
        session_maker=admin_sessions(),
        base_url="/admin",
        title=app.state.settings.store_name,
        authentication_backend=StaffAuthentication(),
        templates_dir=str(TEMPLATES_DIR),
    )
    for view in VIEWS:
        admin.add_view(view)
    install_data_error_handlers(admin.admin)
    return admin


__all__ = ["install_admin"]
