"""Coupons in the admin; writes go through the coupons service (its schema checks the form)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from starlette.requests import Request
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    Form,
    IntegerField,
    StringField,
    validators,
)

from vitrina.admin.base import StaffView, audited
from vitrina.admin.forms import CHECK, CONTROL, AdminForm, not_saved
from vitrina.admin.i18n import gettext as _
from vitrina.admin.i18n import lazy, moment, money
from vitrina.admin.labels import N_
from vitrina.config import get_settings
from vitrina.coupons import service as coupons_service
from vitrina.coupons.models import DiscountCoupon
from vitrina.coupons.schemas import CouponCreate, CouponUpdate
from vitrina.errors import VitrinaError

COUPON_TAKEN = {"number": N_("Another coupon already uses this code (codes ignore case).")}
COUPON_FIELDS = (
    "number",
    "discount",
    "end_at",
    "is_active",
    "max_redemptions",
    "max_redemptions_per_customer",
)


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().store_timezone)


class LocalDateTimeField(DateTimeLocalField):  # type: ignore[misc]
    """A date and time typed in the store's timezone, kept timezone-aware."""

    def process_data(self, value: Any) -> None:
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(_zone()).replace(tzinfo=None)
        super().process_data(value)

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        typed: Any = getattr(self, "data", None)
        if isinstance(typed, datetime):
            setattr(self, "data", typed.replace(tzinfo=_zone()))  # noqa: B010


class CouponForm(AdminForm):
    schema = CouponCreate
    number = StringField(
        lazy("Code customers type"),
        [validators.InputRequired(), validators.Length(max=64)],
        render_kw=CONTROL,
    )
    discount = DecimalField(
        lazy("Percent off"), [validators.InputRequired()], places=2, render_kw=CONTROL
    )
    end_at = LocalDateTimeField(
        lazy("Valid until (store time)"),
        [validators.InputRequired()],
        render_kw={**CONTROL, "step": "any"},  # an expiry with seconds is valid as it is
    )
    is_active = BooleanField(lazy("Active"), default=True, render_kw=CHECK)
    max_redemptions = IntegerField(
        lazy("Uses in total (empty: no limit)"), [validators.Optional()], render_kw=CONTROL
    )
    max_redemptions_per_customer = IntegerField(
        lazy("Uses per customer (empty: no limit)"), [validators.Optional()], render_kw=CONTROL
    )

    def schema_data(self) -> dict[str, Any]:
        return {key: self._fields[key].data for key in COUPON_FIELDS}


def _discount(model: DiscountCoupon, _attribute: Any) -> str:
    """ "$5.00 off" or "10% off"."""
    if model.amount_off is not None:
        return _("%(amount)s off") % {"amount": money(model.amount_off)}
    percent = f"{Decimal(model.discount or 0).normalize():f}"
    return _("%(percent)s%% off") % {"percent": percent}


def _ends(model: DiscountCoupon, _attribute: Any) -> str:
    return moment(model.end_at)


class CouponAdmin(StaffView, model=DiscountCoupon):
    name = lazy("Coupon")
    name_plural = lazy("Coupons")
    icon = "fa-solid fa-ticket"
    form_columns = COUPON_FIELDS
    column_list = (
        DiscountCoupon.id,
        DiscountCoupon.number,
        DiscountCoupon.discount,
        DiscountCoupon.end_at,
        DiscountCoupon.is_active,
        DiscountCoupon.times_redeemed,
        DiscountCoupon.max_redemptions,
        DiscountCoupon.deleted_at,
    )
    column_details_list = (*column_list, DiscountCoupon.max_redemptions_per_customer)
    column_searchable_list = (DiscountCoupon.number,)
    column_sortable_list = (DiscountCoupon.id, DiscountCoupon.end_at)
    column_labels: ClassVar[dict[Any, Any]] = {
        DiscountCoupon.id: "#",
        DiscountCoupon.number: lazy("Code"),
        DiscountCoupon.discount: lazy("Discount"),
        DiscountCoupon.end_at: lazy("Valid until"),
        DiscountCoupon.is_active: lazy("Active"),
        DiscountCoupon.times_redeemed: lazy("Used"),
        DiscountCoupon.max_redemptions: lazy("Uses in total"),
        DiscountCoupon.max_redemptions_per_customer: lazy("Uses per customer"),
        DiscountCoupon.deleted_at: lazy("Deleted"),
    }
    column_formatters: ClassVar[dict[Any, Any]] = {
        DiscountCoupon.discount: _discount,
        DiscountCoupon.end_at: _ends,
    }
    column_formatters_detail = column_formatters

    async def scaffold_form(self, rules: list[str] | None = None) -> type[Form]:
        return CouponForm

    async def insert_model(self, request: Request, data: dict[str, Any]) -> Any:
        fields = {key: data.get(key) for key in COUPON_FIELDS}
        try:
            async with audited() as session:
                return await coupons_service.create_coupon(session, CouponCreate(**fields))
        except VitrinaError as error:
            raise not_saved(error, COUPON_TAKEN) from error

    async def update_model(self, request: Request, pk: str, data: dict[str, Any]) -> Any:
        fields = {key: data.get(key) for key in COUPON_FIELDS}
        try:
            async with audited() as session:
                return await coupons_service.update_coupon(session, int(pk), CouponUpdate(**fields))
        except VitrinaError as error:
            raise not_saved(error, COUPON_TAKEN) from error

    async def delete_model(self, request: Request, pk: Any) -> None:
        try:
            async with audited("delete") as session:
                await coupons_service.delete_coupon(session, int(pk))
        except VitrinaError as error:
            raise ValueError(_("Not deleted: %(reason)s") % {"reason": error.detail}) from error
