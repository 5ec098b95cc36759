"""Admin forms: money in major units, messages in the admin's language, the CSRF token, and
the service's schema checked as part of the form, so its complaints land next to the field;
a service's refusal that names a field (a slug taken) lands there too (`not_saved`).

Forms are built from a service's pydantic schema (`schema_form`): a field added to the
schema (a translated name, say) appears in the admin form without a change here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any, ClassVar

import wtforms.i18n
import wtforms.meta
from pydantic import BaseModel, ValidationError
from wtforms import (
    BooleanField,
    Field,
    Form,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    validators,
)

from vitrina.admin import csrf, i18n
from vitrina.admin.i18n import gettext as _
from vitrina.admin.labels import N_
from vitrina.config import get_settings
from vitrina.errors import VitrinaError

CONTROL = {"class": "form-control"}
SELECT = {"class": "form-select"}
CHECK = {"class": "form-check-input"}
"""Bootstrap classes for hand-made WTForms fields (sqladmin adds them only to its own)."""

PYDANTIC_MESSAGES = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This field is required."),
    "string_too_long": N_("At most %(max_length)s characters."),
    "greater_than_equal": N_("Must be at least %(ge)s."),
    "greater_than": N_("Must be more than %(gt)s."),
    "less_than_equal": N_("Must be at most %(le)s."),
    "less_than": N_("Must be less than %(lt)s."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "decimal_parsing": N_("Enter a number."),
    "string_pattern_mismatch": N_("Use only the characters allowed here."),
    "too_long": N_("Too many values."),
}


class AdminMeta(wtforms.meta.DefaultMeta):  # type: ignore[misc]
    def get_translations(self, form: Form) -> Any:
        return wtforms.i18n.get_translations([i18n.language()])


_shown: ContextVar[AdminForm | None] = ContextVar("vitrina_admin_form", default=None)
"""The form this request is showing (sqladmin makes it; the views' writes reach it here)."""


class AdminForm(Form):  # type: ignore[misc]
    """Carries the CSRF token; `schema` (a pydantic model) is checked after the fields."""

    Meta = AdminMeta
    schema: ClassVar[type[BaseModel] | None] = None
    csrf_token = csrf.token_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _shown.set(self)

    def schema_data(self) -> dict[str, Any]:
        return {
            name: field.data
            for name, field in self._fields.items()
            if name != "csrf_token" and not isinstance(field.data, bytes)
        }

    def validate(self, extra_validators: Mapping[str, Any] | None = None) -> bool:
        """The fields' own checks, then the schema's for every field they let pass, so all
        that is wrong is said at once, each next to its field."""
        valid: bool = super().validate(extra_validators)
        if self.schema is None:
            return valid
        try:
            self.schema.model_validate(self.schema_data())
        except ValidationError as error:
            for problem in error.errors():
                name = str(problem["loc"][0]) if problem["loc"] else ""
                field = self._fields.get(name)
                if field is None:
                    self.form_errors.append(schema_message(problem))
                elif not field.errors:
                    field.errors = [schema_message(problem)]
            return False
        return valid


def not_saved(error: VitrinaError, taken: Mapping[str, str] | None = None) -> ValueError:
    """What sqladmin shows for a service's refusal of a create or edit. A refusal that names
    a field the form has (a slug or SKU taken, FastAPI-shaped field errors) goes next to
    that field, in the admin's language (`taken`: the views' words for "already used", by
    field or by the service's message), and the alert at the top stays empty; any other
    refusal is the alert."""
    form = _shown.get()
    placed = False
    for name, message in _field_messages(error, taken or {}):
        field = form._fields.get(name) if form is not None else None
        if field is not None:
            field.errors = [*field.errors, message]
            placed = True
    if placed:
        return ValueError("")
    return ValueError(_("Not saved: %(reason)s") % {"reason": detail_text(error)})


def _field_messages(error: VitrinaError, taken: Mapping[str, str]) -> list[tuple[str, str]]:
    if error.field is not None:
        kind = "slug" if error.field.startswith("slug") else error.field
        known = taken.get(kind) or taken.get(detail_text(error))
        return [(error.field, _(known) if known else _(detail_text(error)))]
    if isinstance(error.detail, list):  # 422s shaped like FastAPI's: [{"loc", "msg"}]
        return [
            (str(item["loc"][-1]), _(str(item.get("msg", ""))))
            for item in error.detail
            if isinstance(item, dict) and item.get("loc")
        ]
    return []


def detail_text(error: VitrinaError) -> str:
    """A service error's detail as one line of text."""
    detail = error.detail
    if isinstance(detail, list):
        return "; ".join(str(item.get("msg", item)) for item in detail if isinstance(item, dict))
    return str(detail)


def schema_message(problem: Mapping[str, Any]) -> str:
    template = PYDANTIC_MESSAGES.get(str(problem.get("type")))
    if template is None:
        return str(problem.get("msg", ""))
    return _(template) % dict(problem.get("ctx") or {})


class MoneyField(StringField):  # type: ignore[misc]
    """Money typed in major units ("1 146,00" in Russian, "1,146.00" in English), kept as
    minor units of the store currency (or of `currency`, when given)."""

    def __init__(self, *args: Any, currency: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency

    @property
    def in_currency(self) -> str:
        return self.currency or get_settings().store_currency

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return i18n.plain_amount(self.data, self.in_currency)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = i18n.parse_amount(str(valuelist[0]), self.in_currency)
        except ValueError as error:
            self.data = None
            raise ValueError(str(error)) from None


def blank_to_none(value: Any) -> Any:
    return (value.strip() or None) if isinstance(value, str) else value


FieldFactory = Callable[[Any, bool], Field]


def schema_form(
    schema: type[BaseModel],
    labels: Mapping[str, str],
    special: Mapping[str, FieldFactory],
    *,
    extra: Mapping[str, Field] | None = None,
) -> type[AdminForm]:
    """A form with one field per schema field, in the schema's order; `special` builds
    fields that need more than their type (a select, money), given (label, required)."""
    attributes: dict[str, Any] = {"schema": schema}
    for name, info in schema.model_fields.items():
        label = i18n.lazy(labels.get(name) or name.replace("_", " ").capitalize())
        required = info.is_required()
        checks = [validators.InputRequired()] if required else [validators.Optional()]
        annotation = str(info.annotation)
        if name in special:
            attributes[name] = special[name](label, required)
        elif "bool" in annotation:
            attributes[name] = BooleanField(label, default=info.default, render_kw=CHECK)
        elif "int" in annotation:
            attributes[name] = IntegerField(label, checks, default=info.default, render_kw=CONTROL)
        elif name.startswith("description"):
            attributes[name] = TextAreaField(label, default=info.default or "", render_kw=CONTROL)
        else:
            attributes[name] = StringField(label, checks, render_kw=CONTROL)
    attributes.update(extra or {})
    return type(f"{schema.__name__}Form", (AdminForm,), attributes)


def select_field(choices: list[tuple[Any, str]], *, optional: bool = False) -> FieldFactory:
    def build(label: Any, required: bool) -> Field:
        coerce: Callable[[Any], Any] = (
            (lambda v: int(v) if v not in ("", None, "None") else None) if optional else int
        )
        return SelectField(label, choices=choices, coerce=coerce, render_kw=SELECT)

    return build


def money_field(label: Any, required: bool) -> Field:
    checks = [validators.InputRequired()] if required else [validators.Optional()]
    currency = get_settings().store_currency.upper()
    return MoneyField(label, checks, description=currency, render_kw=CONTROL)
