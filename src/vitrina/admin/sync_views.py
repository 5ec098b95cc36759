"""Stripe sync state: the products and coupons Stripe has not caught up with, and a retry.

A retry marks the row for sync again (a new version, attempts and error cleared), so the
sync worker takes it on its next pass; nothing here talks to Stripe.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqladmin import action
from sqlalchemy import Select, func, select
from starlette.requests import Request
from starlette.responses import Response

from vitrina.admin.base import StaffView, audited, back_to, done, selected_pks
from vitrina.catalog.models import Product
from vitrina.coupons.models import DiscountCoupon


def _state(model: Any, _attribute: Any) -> str:
    return str(model.sync_state.value)


class _SyncView(StaffView):
    can_create = False
    can_edit = False
    can_delete = False
    category = "Stripe sync"
    column_formatters: ClassVar[dict[Any, Any]] = {"sync_version": _state}
    column_labels: ClassVar[dict[Any, str]] = {"sync_version": "state"}

    def list_query(self, request: Request) -> Select[Any]:
        model: Any = self.model
        return select(model).where(model.synced_version < model.sync_version)

    def count_query(self, request: Request) -> Select[Any]:
        model: Any = self.model
        return (
            select(func.count(model.id))
            .select_from(model)
            .where(model.synced_version < model.sync_version)
        )

    @action(name="retry", label="Retry sync now")
    async def retry(self, request: Request) -> Response:
        pks = selected_pks(request)
        async with audited("sync:retry") as session:
            for pk in pks:
                row: Product | DiscountCoupon | None = await session.get(
                    self.model, int(pk), with_for_update=True
                )
                if row is not None:
                    row.mark_for_sync()
        done(request, f"{len(pks)} row(s) queued for the sync worker.")
        return back_to(request, self, pks)


class ProductSyncAdmin(_SyncView, model=Product):
    name = "Product awaiting Stripe"
    name_plural = "Products awaiting Stripe"
    icon = "fa-solid fa-arrows-rotate"
    column_list = (
        Product.id,
        Product.name,
        "sync_version",
        Product.sync_attempts,
        Product.sync_error,
        Product.sync_next_attempt_at,
        Product.stripe_id,
    )


class CouponSyncAdmin(_SyncView, model=DiscountCoupon):
    name = "Coupon awaiting Stripe"
    name_plural = "Coupons awaiting Stripe"
    icon = "fa-solid fa-arrows-rotate"
    column_list = (
        DiscountCoupon.id,
        DiscountCoupon.number,
        "sync_version",
        DiscountCoupon.sync_attempts,
        DiscountCoupon.sync_error,
        DiscountCoupon.sync_next_attempt_at,
        DiscountCoupon.stripe_id,
    )


# sqladmin names a view after its model; these share their models with the main views.
ProductSyncAdmin.identity = "product-sync"
CouponSyncAdmin.identity = "coupon-sync"
