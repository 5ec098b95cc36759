"""Shipping zones and methods in the admin; writes go through the shipping service."""

from __future__ import annotations

from typing import Any, ClassVar

from starlette.requests import Request
from wtforms import Form, SelectField, StringField, TextAreaField, validators

from vitrina.admin import i18n
from vitrina.admin.base import StaffView, audited
from vitrina.admin.forms import CONTROL, SELECT, money_field, not_saved, schema_form
from vitrina.admin.i18n import gettext as _
from vitrina.admin.i18n import lazy
from vitrina.admin.labels import N_
from vitrina.config import get_settings
from vitrina.errors import VitrinaError
from vitrina.shipping import service as shipping_service
from vitrina.shipping.models import MethodKind, ShippingMethod, ShippingZone
from vitrina.shipping.schemas import MethodIn, MethodUpdate, ZoneIn, ZoneUpdate

ZONE_LABELS = {
    "name": N_("Name"),
    "countries": N_("Countries (two-letter codes, e.g. DE, FR)"),
    "position": N_("Order (a country belongs to the first zone listing it)"),
    "is_active": N_("Active"),
}
METHOD_LABELS = {
    "zone_id": N_("Zone"),
    "name": N_("Name shown at checkout"),
    "kind": N_("Cost rule"),
    "amount": N_("Price"),
    "weight_tiers": N_("Weight tiers: one per line, “up to grams = price”"),
    "free_over": N_("Free from an order of"),
    "min_days": N_("Delivery from (business days)"),
    "max_days": N_("Delivery up to (business days)"),
    "position": N_("Order"),
    "is_active": N_("Active"),
}
KIND_LABELS = {
    MethodKind.FLAT: N_("Flat rate"),
    MethodKind.WEIGHT: N_("By weight"),
    MethodKind.FREE_OVER: N_("Free over an order amount"),
    MethodKind.PICKUP: N_("Pickup"),
}


class CountriesField(StringField):  # type: ignore[misc]
    """Country codes typed as "DE, FR", kept as ["DE", "FR"]."""

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return ", ".join(self.data or [])

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]) if valuelist else ""
        self.data = [c.strip().upper() for c in text.replace(";", ",").split(",") if c.strip()]


class TiersField(TextAreaField):  # type: ignore[misc]
    """Weight tiers typed one per line as "1000 = 5.00", kept as [{"up_to_grams", "amount"}]."""

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        currency = get_settings().store_currency
        return "\n".join(
            f"{t['up_to_grams']} = {i18n.plain_amount(t['amount'], currency)}"
            for t in self.data or []
        )

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]) if valuelist else ""
        tiers = []
        for line in text.splitlines():
            if not line.strip():
                continue
            grams, sep, price = line.partition("=")
            if not sep or not grams.strip().isdigit():
                self.data = None
                raise ValueError(_("Write each tier as “up to grams = price”, e.g. 1000 = 5.00."))
            amount = i18n.parse_amount(price, get_settings().store_currency)
            tiers.append({"up_to_grams": int(grams.strip()), "amount": amount})
        self.data = tiers or None


def _countries(model: ShippingZone, _attribute: Any) -> str:
    return ", ".join(model.countries)


def _kind(model: ShippingMethod, _attribute: Any) -> str:
    return _(KIND_LABELS[model.kind])


def _price(model: ShippingMethod, _attribute: Any) -> str:
    return i18n.money(model.amount)


class ShippingZoneAdmin(StaffView, model=ShippingZone):
    name = lazy("Shipping zone")
    name_plural = lazy("Shipping zones")
    icon = "fa-solid fa-earth-europe"
    form_columns = tuple(ZoneIn.model_fields)
    column_list = (
        ShippingZone.id,
        ShippingZone.name,
        ShippingZone.countries,
        ShippingZone.position,
        ShippingZone.is_active,
    )
    column_details_list = column_list
    column_labels: ClassVar[dict[Any, Any]] = {
        ShippingZone.id: "#",
        ShippingZone.name: lazy("Name"),
        ShippingZone.countries: lazy("Countries"),
        ShippingZone.position: lazy("Order"),
        ShippingZone.is_active: lazy("Active"),
    }
    column_formatters: ClassVar[dict[Any, Any]] = {ShippingZone.countries: _countries}
    column_formatters_detail = column_formatters

    async def scaffold_form(self, rules: list[str] | None = None) -> type[Form]:
        special = {
            "countries": lambda label, _required: CountriesField(
                label, [validators.InputRequired()], render_kw=CONTROL
            )
        }
        return schema_form(ZoneIn, ZONE_LABELS, special)

    async def insert_model(self, request: Request, data: dict[str, Any]) -> Any:
        fields = {key: data.get(key) for key in ZoneIn.model_fields}
        try:
            async with audited() as session:
                return await shipping_service.create_zone(session, ZoneIn(**fields))
        except VitrinaError as error:
            raise not_saved(error) from error

    async def update_model(self, request: Request, pk: str, data: dict[str, Any]) -> Any:
        fields = {key: data.get(key) for key in ZoneIn.model_fields}
        try:
            async with audited() as session:
                return await shipping_service.update_zone(session, int(pk), ZoneUpdate(**fields))
        except VitrinaError as error:
            raise not_saved(error) from error

    async def delete_model(self, request: Request, pk: Any) -> None:
        async with audited("delete") as session:
            await shipping_service.delete_zone(session, int(pk))


class MethodForm(MethodIn):
    zone_id: int


async def _zone_choices() -> list[tuple[int, str]]:
    async with audited() as session:
        return [(z.id, z.name) for z in await shipping_service.list_zones(session)]


class ShippingMethodAdmin(StaffView, model=ShippingMethod):
    name = lazy("Shipping method")
    name_plural = lazy("Shipping methods")
    icon = "fa-solid fa-truck"
    form_columns = tuple(MethodForm.model_fields)
    column_list = (
        ShippingMethod.id,
        ShippingMethod.name,
        ShippingMethod.zone_id,
        ShippingMethod.kind,
        ShippingMethod.amount,
        ShippingMethod.min_days,
        ShippingMethod.max_days,
        ShippingMethod.is_active,
    )
    column_details_list = (*column_list, ShippingMethod.free_over, ShippingMethod.weight_tiers)
    column_labels: ClassVar[dict[Any, Any]] = {
        ShippingMethod.id: "#",
        ShippingMethod.name: lazy("Name"),
        ShippingMethod.zone_id: lazy("Zone"),
        ShippingMethod.kind: lazy("Cost rule"),
        ShippingMethod.amount: lazy("Price"),
        ShippingMethod.min_days: lazy("Days from"),
        ShippingMethod.max_days: lazy("Days up to"),
        ShippingMethod.is_active: lazy("Active"),
        ShippingMethod.free_over: lazy("Free from"),
        ShippingMethod.weight_tiers: lazy("Weight tiers"),
    }
    column_formatters: ClassVar[dict[Any, Any]] = {
        ShippingMethod.kind: _kind,
        ShippingMethod.amount: _price,
    }
    column_formatters_detail = column_formatters

    async def scaffold_form(self, rules: list[str] | None = None) -> type[Form]:
        kinds = [(kind.value, lazy(label)) for kind, label in KIND_LABELS.items()]
        zones = await _zone_choices()
        special = {
            "zone_id": lambda label, _r: SelectField(
                label, choices=zones, coerce=int, render_kw=SELECT
            ),
            "kind": lambda label, _r: SelectField(label, choices=kinds, render_kw=SELECT),
            "amount": money_field,
            "free_over": money_field,
            "weight_tiers": lambda label, _r: TiersField(label, render_kw=CONTROL),
        }
        return schema_form(MethodForm, METHOD_LABELS, special)

    def _fields(self, data: dict[str, Any]) -> dict[str, Any]:
        fields = {key: data.get(key) for key in MethodIn.model_fields}
        return {k: v for k, v in fields.items() if v is not None or k in ("free_over",)}

    async def insert_model(self, request: Request, data: dict[str, Any]) -> Any:
        try:
            async with audited() as session:
                return await shipping_service.add_method(
                    session, int(data["zone_id"]), MethodIn(**self._fields(data))
                )
        except VitrinaError as error:
            raise not_saved(error) from error

    async def update_model(self, request: Request, pk: str, data: dict[str, Any]) -> Any:
        try:
            async with audited() as session:
                return await shipping_service.update_method(
                    session, int(pk), MethodUpdate(**self._fields(data))
                )
        except VitrinaError as error:
            raise not_saved(error) from error

    async def delete_model(self, request: Request, pk: Any) -> None:
        async with audited("delete") as session:
            await shipping_service.delete_method(session, int(pk))
