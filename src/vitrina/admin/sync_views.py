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

from vitrina.admin.base import ReadOnlyView, audited, back_to, done, selected_pks
from vitrina.admin.i18n import gettext as _
from vitrina.admin.i18n import lazy
from vitrina.admin.labels import SYNC_LABELS
from vitrina.catalog.models import Product
from vitrina.coupons.models import DiscountCoupon


def _state(model: Any, _attribute: Any) -> str:
    return _(SYNC_LABELS.get(model.sync_state.value, model.sync_state.value))


class _SyncView(ReadOnlyView):
    category = lazy("Stripe sync")
    column_formatters: ClassVar[dict[Any, Any]] = {"sync_version": _state}
    column_labels: ClassVar[dict[Any, Any]] = {
        "sync_version": lazy("State"),
        "id": "#",
        "name": lazy("Name"),
        "number": lazy("Code"),
        "sync_attempts": lazy("Attempts"),
        "sync_error": lazy("Last Stripe error"),
        "sync_next_attempt_at": lazy("Next attempt"),
        "stripe_id": lazy("Stripe id"),
    }

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

    @action(name="retry", label=lazy("Retry sync now"))
    async def retry(self, request: Request) -> Response:
        pks = selected_pks(request)
        async with audited("sync:retry") as session:
            for pk in pks:
                row: Product | DiscountCoupon | None = await session.get(
                    self.model, int(pk), with_for_update=True
                )
                if row is not None:
                    row.mark_for_sync()
        done(request, _("%(count)d row(s) queued for the sync worker.") % {"count": len(pks)})
        return back_to(request, self, pks)


class ProductSyncAdmin(_SyncView, model=Product):
    name = lazy("Product awaiting Stripe")
    name_plural = lazy("Products awaiting Stripe")
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
    name = lazy("Coupon awaiting Stripe")
    name_plural = lazy("Coupons awaiting Stripe")
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
