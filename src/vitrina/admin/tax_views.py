"""Tax rates in the admin; writes go through the taxes service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from starlette.requests import Request
from wtforms import DecimalField, Form, SelectField, validators

from vitrina.admin.base import StaffView, audited
from vitrina.admin.forms import CONTROL, SELECT, not_saved, schema_form
from vitrina.admin.i18n import gettext as _
from vitrina.admin.i18n import lazy
from vitrina.admin.labels import N_
from vitrina.errors import VitrinaError
from vitrina.taxes import service as taxes_service
from vitrina.taxes.models import TaxClass, TaxRate
from vitrina.taxes.schemas import TaxRateIn, TaxRateUpdate

TAX_LABELS = {
    "country": N_("Country (two-letter code)"),
    "region": N_("Region (state code; empty: the whole country)"),
    "tax_class": N_("Tax class"),
    "percentage": N_("Rate, %"),
    "display_name": N_("Name on the receipt (VAT, Sales Tax)"),
    "is_active": N_("Active"),
}
CLASS_LABELS = {
    TaxClass.STANDARD: N_("Standard rate"),
    TaxClass.REDUCED: N_("Reduced rate"),
    TaxClass.ZERO: N_("Zero rate"),
}


def _percent(model: TaxRate, _attribute: Any) -> str:
    return f"{Decimal(model.percentage).normalize():f} %"


def _class(model: TaxRate, _attribute: Any) -> str:
    return _(CLASS_LABELS[TaxClass(model.tax_class)])


class TaxRateAdmin(StaffView, model=TaxRate):
    name = lazy("Tax rate")
    name_plural = lazy("Tax rates")
    icon = "fa-solid fa-percent"
    form_columns = tuple(TaxRateIn.model_fields)
    column_list = (
        TaxRate.id,
        TaxRate.country,
        TaxRate.region,
        TaxRate.tax_class,
        TaxRate.percentage,
        TaxRate.display_name,
        TaxRate.is_active,
    )
    column_details_list = (*column_list, TaxRate.stripe_id)
    column_labels: ClassVar[dict[Any, Any]] = {
        TaxRate.id: "#",
        TaxRate.country: lazy("Country"),
        TaxRate.region: lazy("Region"),
        TaxRate.tax_class: lazy("Tax class"),
        TaxRate.percentage: lazy("Rate"),
        TaxRate.display_name: lazy("Name"),
        TaxRate.is_active: lazy("Active"),
        TaxRate.stripe_id: lazy("Stripe Tax Rate"),
    }
    column_formatters: ClassVar[dict[Any, Any]] = {
        TaxRate.percentage: _percent,
        TaxRate.tax_class: _class,
    }
    column_formatters_detail = column_formatters

    async def scaffold_form(self, rules: list[str] | None = None) -> type[Form]:
        classes = [(c.value, lazy(label)) for c, label in CLASS_LABELS.items()]
        special = {
            "tax_class": lambda label, _r: SelectField(label, choices=classes, render_kw=SELECT),
            "percentage": lambda label, _r: DecimalField(
                label, [validators.InputRequired()], places=4, render_kw=CONTROL
            ),
        }
        return schema_form(TaxRateIn, TAX_LABELS, special)

    def _fields(self, data: dict[str, Any]) -> dict[str, Any]:
        fields = {key: data.get(key) for key in TaxRateIn.model_fields}
        fields["region"] = (fields.get("region") or "").strip() or None
        return fields

    async def insert_model(self, request: Request, data: dict[str, Any]) -> Any:
        try:
            async with audited() as session:
                return await taxes_service.create_rate(session, TaxRateIn(**self._fields(data)))
        except VitrinaError as error:
            raise not_saved(error) from error

    async def update_model(self, request: Request, pk: str, data: dict[str, Any]) -> Any:
        fields = self._fields(data)
        fields.pop("country", None)
        try:
            async with audited() as session:
                return await taxes_service.update_rate(session, int(pk), TaxRateUpdate(**fields))
        except VitrinaError as error:
            raise not_saved(error) from error

    async def delete_model(self, request: Request, pk: Any) -> None:
        async with audited("delete") as session:
            await taxes_service.delete_rate(session, int(pk))
