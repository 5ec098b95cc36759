"""Coupons and orders in the admin; writes go through the coupons and orders services."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqladmin import action, expose
from sqladmin.filters import AllUniqueStringValuesFilter, BooleanFilter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    Form,
    IntegerField,
    StringField,
    validators,
)

from vitrina.accounts.models import User
from vitrina.admin.base import (
    CHECK,
    CONTROL,
    StaffView,
    audited,
    back_to,
    done,
    report,
    selected_pks,
)
from vitrina.audit.service import record
from vitrina.coupons import service as coupons_service
from vitrina.coupons.models import DiscountCoupon
from vitrina.coupons.schemas import CouponCreate, CouponUpdate
from vitrina.errors import BadRequest, VitrinaError
from vitrina.orders import refunds as orders_refunds
from vitrina.orders import review as orders_review
from vitrina.orders import service as orders_service
from vitrina.orders import staff as orders_staff
from vitrina.orders.models import Order, OrderStatus

COUPON_FIELDS = (
    "number",
    "discount",
    "end_at",
    "is_active",
    "max_redemptions",
    "max_redemptions_per_customer",
)


class CouponForm(Form):  # type: ignore[misc]
    number = StringField(
        "Code",
        [validators.InputRequired(), validators.Length(max=64)],
        render_kw=CONTROL,
    )
    discount = DecimalField(
        "Percent off", [validators.InputRequired()], places=2, render_kw=CONTROL
    )
    end_at = DateTimeLocalField("Ends at (UTC)", [validators.InputRequired()], render_kw=CONTROL)
    is_active = BooleanField("Active", default=True, render_kw=CHECK)
    max_redemptions = IntegerField("Max redemptions", [validators.Optional()], render_kw=CONTROL)
    max_redemptions_per_customer = IntegerField(
        "Max per customer", [validators.Optional()], render_kw=CONTROL
    )


def _coupon_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = {key: data.get(key) for key in COUPON_FIELDS}
    end_at = fields["end_at"]
    if isinstance(end_at, datetime) and end_at.tzinfo is None:
        fields["end_at"] = end_at.replace(tzinfo=UTC)
    return fields


class CouponAdmin(StaffView, model=DiscountCoupon):
    name = "Coupon"
    name_plural = "Coupons"
    icon = "fa-solid fa-ticket"
    form = CouponForm
    form_columns = COUPON_FIELDS
    column_list = (
        DiscountCoupon.id,
        DiscountCoupon.number,
        DiscountCoupon.discount,
        DiscountCoupon.end_at,
        DiscountCoupon.is_active,
        DiscountCoupon.times_redeemed,
        DiscountCoupon.deleted_at,
        DiscountCoupon.synced_version,
    )
    column_searchable_list = (DiscountCoupon.number,)
    column_sortable_list = (DiscountCoupon.id, DiscountCoupon.end_at)

    async def insert_model(self, request: Request, data: dict[str, Any]) -> Any:
        async with audited() as session:
            return await coupons_service.create_coupon(
                session, CouponCreate(**_coupon_fields(data))
            )

    async def update_model(self, request: Request, pk: str, data: dict[str, Any]) -> Any:
        async with audited() as session:
            return await coupons_service.update_coupon(
                session, int(pk), CouponUpdate(**_coupon_fields(data))
            )

    async def delete_model(self, request: Request, pk: Any) -> None:
        async with audited("delete") as session:
            await coupons_service.delete_coupon(session, int(pk))


class OrderAdmin(StaffView, model=Order):
    name = "Order"
    name_plural = "Orders"
    icon = "fa-solid fa-receipt"
    can_create = False
    can_edit = False
    can_delete = False
    column_list = (
        Order.id,
        Order.created_at,
        Order.email,
        Order.status,
        Order.total,
        Order.currency,
        Order.amount_refunded,
        Order.needs_review,
    )
    column_details_list = (
        Order.id,
        Order.status,
        Order.email,
        Order.user_id,
        Order.currency,
        Order.subtotal,
        Order.discount,
        Order.shipping,
        Order.total,
        Order.amount_charged,
        Order.amount_refunded,
        Order.coupon_code,
        Order.needs_review,
        Order.review_reason,
        Order.stripe_session_id,
        Order.stripe_payment_intent_id,
        Order.shipping_address,
        Order.paid_at,
        Order.created_at,
        Order.items,
        Order.events,
    )
    column_searchable_list = (Order.email, Order.stripe_session_id)
    column_sortable_list = (Order.id, Order.created_at, Order.total)
    column_default_sort = (Order.id, True)
    column_filters: ClassVar[list[Any]] = [
        AllUniqueStringValuesFilter(Order.status, title="Status"),
        BooleanFilter(Order.needs_review, title="Needs review"),
    ]
    column_formatters_detail: ClassVar[dict[Any, Any]] = {
        Order.items: lambda m, a: [
            f"{i.quantity} × {i.name} @ {i.unit_price} = {i.line_total}" for i in m.items
        ],
        Order.events: lambda m, a: [
            f"{e.created_at:%Y-%m-%d %H:%M} {e.kind} {e.from_status or ''}→{e.to_status or ''} "
            f"{e.note}"
            for e in m.events
        ],
    }

    async def _change(self, request: Request, target: OrderStatus) -> Response:
        pks = selected_pks(request)
        staff: User = request.state.staff
        try:
            async with audited(f"status:{target.value}") as session:
                for pk in pks:
                    await orders_staff.change_status(session, int(pk), target, staff)
        except VitrinaError as error:
            report(request, error)
        else:
            done(request, f"{len(pks)} order(s) now {target.value}.")
        return back_to(request, self, pks)

    @action(name="processing", label="Mark processing")
    async def mark_processing(self, request: Request) -> Response:
        return await self._change(request, OrderStatus.PROCESSING)

    @action(name="shipped", label="Mark shipped")
    async def mark_shipped(self, request: Request) -> Response:
        return await self._change(request, OrderStatus.SHIPPED)

    @action(name="delivered", label="Mark delivered")
    async def mark_delivered(self, request: Request) -> Response:
        return await self._change(request, OrderStatus.DELIVERED)

    @action(
        name="cancel",
        label="Cancel (refunds what was paid)",
        confirmation_message="Cancel these orders? Paid amounts are refunded in full.",
    )
    async def cancel(self, request: Request) -> Response:
        return await self._change(request, OrderStatus.CANCELLED)

    @action(
        name="refund",
        label="Refund in full",
        confirmation_message="Refund what is left of these payments through Stripe?",
    )
    async def refund(self, request: Request) -> Response:
        pks = selected_pks(request)
        staff: User = request.state.staff
        try:
            async with audited("refund") as session:
                session.info["audit_manual"] = True
                for pk in pks:
                    result = await orders_refunds.request_refund(
                        session, int(pk), orders_refunds.RefundAsk(), staff
                    )
                    record(
                        session,
                        staff.id,
                        "refund",
                        ("Order", result.refund.order_id),
                        None,
                        {
                            "refund_id": result.refund.stripe_refund_id,
                            "amount": result.refund.amount,
                        },
                    )
        except VitrinaError as error:
            report(request, error)
        else:
            done(request, f"Refund requested for {len(pks)} order(s).")
        return back_to(request, self, pks)

    @action(
        name="resolve-review",
        label="Resolve review",
        add_in_list=False,
        add_in_detail=True,
    )
    async def resolve_review_action(self, request: Request) -> Response:
        pks = selected_pks(request)
        url = request.url_for("admin:view-order-resolve_review_page", pk=pks[0] if pks else "0")
        return RedirectResponse(url, status_code=302)

    @expose("/review/{pk:int}", methods=["GET", "POST"])
    async def resolve_review_page(self, request: Request) -> Response:
        """Clear the review flag with a note (orders.review.resolve_review), audited."""
        pk = int(request.path_params["pk"])
        context: dict[str, Any] = {"error": None, "note": None}
        status = 200
        if request.method == "POST":
            form = await request.form()
            note = str(form.get("note", "")).strip()[:2000]
            context["note"] = note
            try:
                if not note:
                    raise BadRequest("Write what was checked or done.")
                async with audited("review:resolve") as session:
                    await orders_review.resolve_review(session, pk, request.state.staff, note)
            except VitrinaError as error:
                context["error"], status = str(error.detail), error.status_code
            else:
                done(request, "Review resolved.")
                url = request.url_for("admin:details", identity=self.identity, pk=pk)
                return RedirectResponse(url, status_code=302)
        async with audited() as session:
            context["order"] = await orders_service.get_order(session, pk)
        return await self.templates.TemplateResponse(
            request, "review.html", context, status_code=status
        )
