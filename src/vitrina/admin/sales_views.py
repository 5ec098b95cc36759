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
    SelectField,
    StringField,
    validators,
)

from vitrina.admin.audit_hooks import admin_sessions
from vitrina.admin.base import StaffView, audited
from vitrina.admin.forms import CHECK, CONTROL, SELECT, AdminForm, MoneyField, not_saved
from vitrina.admin.i18n import gettext as _
from vitrina.admin.i18n import lazy, moment, money
from vitrina.admin.labels import N_
from vitrina.config import get_settings
from vitrina.coupons import service as coupons_service
from vitrina.coupons.models import DiscountCoupon
from vitrina.coupons.schemas import CouponCreate, CouponUpdate
from vitrina.currencies import service as currencies
from vitrina.errors import VitrinaError

COUPON_TAKEN = {"number": N_("Another coupon already uses this code (codes ignore case).")}
COUPON_FIELDS = (
    "number",
    "discount",
    "amount_off",
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
    kind = SelectField(
        lazy("Kind"),
        choices=[("percent", lazy("Percent off")), ("amount", lazy("Amount off"))],
        default="percent",
        render_kw=SELECT,
    )
    discount = DecimalField(
        lazy("Percent off"), [validators.Optional()], places=2, render_kw=CONTROL
    )
    amount_off = MoneyField(
        lazy("Amount off, in the store's currency"), [validators.Optional()], render_kw=CONTROL
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
        return coupon_fields({name: field.data for name, field in self._fields.items()})


AMOUNT_PREFIX = "amount_in_"
"""Form fields `amount_in_<code>`: an amount-off coupon's amount set by hand in a currency."""


def coupon_fields(data: dict[str, Any], *, update: bool = False) -> dict[str, Any]:
    """The schema's fields from the form's: the kind chosen keeps its own amount and drops
    the other's; the per-currency lines left empty are converted at the rate."""
    fields = {key: data.get(key) for key in COUPON_FIELDS}
    if data.get("kind", "percent") == "amount":
        fields.pop("discount")
        fields["amounts"] = {
            name.removeprefix(AMOUNT_PREFIX): value
            for name, value in data.items()
            if name.startswith(AMOUNT_PREFIX) and value is not None
        }
    else:
        fields.pop("amount_off")
    if update:  # a field sent as null would be refused ("may not be null")
        for key in ("number", "discount", "amount_off", "end_at", "is_active"):
            if fields.get(key, "") is None:
                fields.pop(key)
    return fields


async def _form_with_currencies() -> type[CouponForm]:
    """The coupon form with a line per enabled currency, in that currency's major units."""
    async with admin_sessions()() as session:
        rows = [row for row in await currencies.table(session) if row.is_enabled]
    default = get_settings().store_currency
    lines = {
        f"{AMOUNT_PREFIX}{row.code}": MoneyField(
            _("Amount off in %(currency)s (empty: converted at the rate)")
            % {"currency": row.code.upper()},
            [validators.Optional()],
            currency=row.code,
            render_kw=CONTROL,
        )
        for row in rows
        if row.code != default
    }
    return type("CouponFormWithCurrencies", (CouponForm,), lines)


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
        return await _form_with_currencies()

    async def get_form_data_for_edit(self, obj: Any) -> dict[str, Any]:
        data = await super().get_form_data_for_edit(obj)
        data["kind"] = "amount" if obj.amount_off is not None else "percent"
        for amount in obj.amounts:
            data[f"{AMOUNT_PREFIX}{amount.currency}"] = amount.amount_minor
        return data

    async def insert_model(self, request: Request, data: dict[str, Any]) -> Any:
        fields = coupon_fields(data)
        try:
            async with audited() as session:
                return await coupons_service.create_coupon(session, CouponCreate(**fields))
        except VitrinaError as error:
            raise not_saved(error, COUPON_TAKEN) from error

    async def update_model(self, request: Request, pk: str, data: dict[str, Any]) -> Any:
        fields = coupon_fields(data, update=True)
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
