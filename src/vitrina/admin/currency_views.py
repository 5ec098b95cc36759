"""The currency table in the admin; writes go through the currencies service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from pydantic import ValidationError
from sqlalchemy import Select, select
from starlette.requests import Request
from wtforms import DecimalField, Form, SelectField, StringField, validators

from vitrina.admin.base import StaffView, audited
from vitrina.admin.forms import CONTROL, SELECT, not_saved, schema_form
from vitrina.admin.i18n import gettext as _
from vitrina.admin.i18n import lazy
from vitrina.admin.labels import N_
from vitrina.config import get_settings
from vitrina.currencies import service as currencies
from vitrina.currencies.conversion import Rounding
from vitrina.currencies.models import StoreCurrency
from vitrina.currencies.schemas import CurrencyRowIn
from vitrina.errors import Unprocessable, VitrinaError

CURRENCY_LABELS = {
    "code": N_("Currency code (EUR, JPY)"),
    "rate": N_("Units per unit of the store's currency"),
    "rounding": N_("Rounding of prices"),
    "is_enabled": N_("Offered to shoppers"),
    "position": N_("Position"),
}
ROUNDING_LABELS = {
    Rounding.NONE: N_("None (to the smallest unit)"),
    Rounding.WHOLE: N_("Whole units"),
    Rounding.CHARM: N_("Ending in .99"),
}


def _rate(model: StoreCurrency, _attribute: Any) -> str:
    default = get_settings().store_currency.upper()
    return f"1 {default} = {Decimal(model.rate).normalize():f} {model.code.upper()}"


def _rounding(model: StoreCurrency, _attribute: Any) -> str:
    return _(ROUNDING_LABELS[Rounding(model.rounding)])


class StoreCurrencyAdmin(StaffView, model=StoreCurrency):
    name = lazy("Currency")
    name_plural = lazy("Currencies")
    icon = "fa-solid fa-coins"
    form_columns = tuple(CurrencyRowIn.model_fields)
    column_list = (
        StoreCurrency.code,
        StoreCurrency.rate,
        StoreCurrency.rounding,
        StoreCurrency.is_enabled,
        StoreCurrency.position,
    )
    column_details_list = column_list
    column_labels: ClassVar[dict[Any, Any]] = {
        StoreCurrency.code: lazy("Currency"),
        StoreCurrency.rate: lazy("Rate"),
        StoreCurrency.rounding: lazy("Rounding of prices"),
        StoreCurrency.is_enabled: lazy("Offered to shoppers"),
        StoreCurrency.position: lazy("Position"),
    }
    column_formatters: ClassVar[dict[Any, Any]] = {
        StoreCurrency.rate: _rate,
        StoreCurrency.rounding: _rounding,
        StoreCurrency.code: lambda model, _a: model.code.upper(),
    }
    column_formatters_detail = column_formatters

    async def scaffold_form(self, rules: list[str] | None = None) -> type[Form]:
        roundings = [(r.value, lazy(label)) for r, label in ROUNDING_LABELS.items()]
        special = {
            "code": lambda label, _r: StringField(
                label, [validators.InputRequired(), validators.Length(3, 3)], render_kw=CONTROL
            ),
            "rounding": lambda label, _r: SelectField(label, choices=roundings, render_kw=SELECT),
            "rate": lambda label, _r: DecimalField(
                label, [validators.InputRequired()], places=None, render_kw=CONTROL
            ),
        }
        return schema_form(CurrencyRowIn, CURRENCY_LABELS, special)

    def _stmt_by_identifier(self, identifier: str) -> Select[Any]:
        """Rows are named by their code ("eur"), not a number."""
        code = identifier.strip().lower()
        return select(StoreCurrency).where(StoreCurrency.code == code[:3])

    def _row(self, data: dict[str, Any]) -> CurrencyRowIn:
        return CurrencyRowIn(**{key: data.get(key) for key in CurrencyRowIn.model_fields})

    async def _put(self, code: str, data: dict[str, Any]) -> Any:
        try:
            row = self._row({**data, "code": code})
        except ValidationError as error:
            message = str(error.errors()[0]["msg"]).removeprefix("Value error, ")
            raise not_saved(Unprocessable(message)) from error
        try:
            async with audited() as session:
                return await currencies.put_currency(
                    session, get_settings(), row.code, row.values()
                )
        except VitrinaError as error:
            raise not_saved(error) from error

    async def insert_model(self, request: Request, data: dict[str, Any]) -> Any:
        return await self._put(str(data.get("code") or ""), data)

    async def update_model(self, request: Request, pk: str, data: dict[str, Any]) -> Any:
        return await self._put(pk, data)

    async def delete_model(self, request: Request, pk: Any) -> None:
        async with audited("delete") as session:
            await currencies.delete_currency(session, str(pk))
