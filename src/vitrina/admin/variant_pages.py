"""A product's options and variants in the admin: the options and their ordered values
(add, rename, reorder, remove one no variant uses), variants made from the combinations,
and the variants' list with every field editable in place and a bulk change for the
selected ones.

Every change is one audited transaction through `catalog.variant_service`, the API's own
service: the admin parses what was typed (money in major units) and says the service's
refusals in the admin's language; the rules are the service's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqladmin import expose
from sqladmin.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from vitrina.admin.base import audited, done
from vitrina.admin.forms import detail_text, schema_message
from vitrina.admin.i18n import gettext as _
from vitrina.admin.i18n import language, parse_amount, plain_amount
from vitrina.catalog import service as catalog_service
from vitrina.catalog import variant_service
from vitrina.catalog import variants as catalog_variants
from vitrina.catalog.models import Product
from vitrina.catalog.schemas import VariantOut
from vitrina.catalog.variant_schemas import (
    OptionIn,
    OptionUpdate,
    OptionValueIn,
    OptionValueUpdate,
    VariantUpdate,
)
from vitrina.config import get_settings
from vitrina.errors import Unprocessable, VitrinaError
from vitrina.kit.bounds import MAX_INT
from vitrina.kit.languages import as_language

VARIANT_FIELDS = ("sku", "price", "compare_at_price", "stock", "weight_grams", "image_id")
BULK_FIELDS = ("price", "compare_at_price", "stock")
MAX_TEXT = 100


@dataclass
class Typed:
    """What the variants form said, field by field, and what was wrong with it."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _text(form: Any, name: str) -> str:
    return str(form.get(name, "")).strip()


def _optional_text(form: Any, name: str) -> str | None:
    text = _text(form, name)
    if len(text) > MAX_TEXT:
        raise Unprocessable(_("At most %(max_length)s characters.") % {"max_length": MAX_TEXT})
    return text or None


def _required_text(form: Any, name: str, what: str) -> str:
    text = _optional_text(form, name)
    if text is None:
        raise Unprocessable(_("Enter %(what)s.") % {"what": what})
    return text


def _id(form: Any, name: str) -> int:
    text = _text(form, name)
    if not text.isdigit() or not 0 < int(text) <= MAX_INT:
        raise Unprocessable(_("Choose what to change."))
    return int(text)


def _money(text: str, *, optional: bool) -> int | None:
    if not text:
        if optional:
            return None
        raise ValueError(_("Enter an amount such as 1146.00."))
    amount = parse_amount(text, get_settings().store_currency)
    if not 0 <= amount <= MAX_INT:
        raise ValueError(_("Enter an amount such as 1146.00."))
    return amount


def _count(text: str, *, optional: bool) -> int | None:
    if not text and optional:
        return None
    if not text.isdigit() or int(text) > MAX_INT:
        raise ValueError(_("Enter a whole number, 0 or more."))
    return int(text)


def _parse(name: str, text: str) -> Any:
    """A variant field as typed (ValueError saying what is wrong)."""
    if name in ("price", "compare_at_price"):
        return _money(text, optional=name == "compare_at_price")
    if name in ("stock", "weight_grams", "image_id"):
        return _count(text, optional=name != "stock")
    if len(text) > MAX_TEXT:
        raise ValueError(_("At most %(max_length)s characters.") % {"max_length": MAX_TEXT})
    return text or None


def said(error: VitrinaError) -> str:
    """A service refusal in the admin's language (the variants in use are named as is)."""
    if isinstance(error, variant_service.ValueInUse):
        return _("Used by %(count)d variant(s): %(variants)s. Delete or change them first.") % {
            "count": len(error.variants),
            "variants": ", ".join(error.variants),
        }
    if error.field == "sku":
        return _("Another variant already uses this SKU.")
    if error.field == "values":
        return _("A variant of these values already exists.")
    if error.field in ("name", "value"):
        return _("The option already has this name or value.")
    return _(detail_text(error))


class VariantPages:
    """Mixed into ProductAdmin (sqladmin exposes these methods as its routes)."""

    templates: Jinja2Templates

    @expose("/variants/{pk:int}", methods=["GET", "POST"])
    async def variants_page(self, request: Request) -> Response:
        pk = int(request.path_params["pk"])
        error: str | None = None
        typed = Typed()
        if request.method == "POST":
            form = await request.form()
            operation = _text(form, "operation")
            try:
                message = await self._change(pk, operation, form, typed)
            except VitrinaError as problem:
                error = said(problem)
            except ValidationError as problem:
                error = "; ".join(schema_message(p) for p in problem.errors())
            else:
                if not typed.errors:
                    done(request, message)
                    return RedirectResponse(request.url, status_code=303)
                error = _("Nothing was saved: correct the fields marked below.")
            if not operation.startswith(("save", "bulk")):
                typed = Typed()
        context = await self._context(pk, typed, error)
        return await self.templates.TemplateResponse(
            request, "product_variants.html", context, status_code=400 if error else 200
        )

    async def _context(self, pk: int, typed: Typed, error: str | None) -> dict[str, Any]:
        shown = as_language(language()) or get_settings().store_language
        async with audited() as session:
            product = await catalog_service.get_product(session, pk, staff=True)
            options = await catalog_variants.options_of(session, product.id)
            listed = await variant_service.variants_out(session, product, shown, staff=True)
        currency = product.currency
        rows = [
            {
                "variant": variant,
                "values": {
                    name: typed.values.get(f"{name}-{variant.id}", _shown(variant, name, currency))
                    for name in VARIANT_FIELDS
                },
                "active": _checked(typed, f"active-{variant.id}", variant.is_active),
                "selected": typed.values.get(f"select-{variant.id}") == "on",
            }
            for variant in listed.variants
        ]
        return {
            "product": product,
            "options": options,
            "rows": rows,
            "typed": typed,
            "error": error,
            "currency": currency.upper(),
            "images": {image.id: image for image in product.images},
        }

    async def _change(self, pk: int, operation: str, form: Any, typed: Typed) -> str:
        async with audited(f"variants:{operation.split('-')[0]}") as session:
            product = await catalog_service.get_product(session, pk, staff=True)
            if operation in ("save", "bulk"):
                return await _save(session, product, operation, form, typed)
            if operation.startswith("delete-variant-"):
                variant_id = int(operation.rsplit("-", 1)[1])
                variant = await variant_service.get_variant(session, product, variant_id)
                await variant_service.delete_variant(session, product, variant)
                return _("Variant deleted.")
            if operation == "generate":
                return await _generate(session, product, form)
            return await _change_options(session, product, operation, form)


def _checked(typed: Typed, key: str, stored: bool) -> bool:
    """A checkbox as sent (an unticked one is not sent at all), else as stored."""
    return typed.values.get(key) == "on" if typed.values else stored


def _shown(variant: VariantOut, name: str, currency: str) -> str:
    value = getattr(variant, name)
    if value is None:
        return ""
    if name in ("price", "compare_at_price"):
        return plain_amount(value, currency)
    return str(value)


async def _generate(session: Any, product: Product, form: Any) -> str:
    try:
        price = _money(_text(form, "generate_price"), optional=True)
        stock = _count(_text(form, "generate_stock"), optional=True) or 0
    except ValueError as problem:
        raise Unprocessable(str(problem)) from None
    made = await variant_service.generate_variants(session, product, price=price, stock=stock)
    return _("%(count)d variant(s) made.") % {"count": len(made)}


async def _change_options(session: Any, product: Product, operation: str, form: Any) -> str:
    if operation == "add_option":
        values = [text.strip() for text in _text(form, "values").split(",") if text.strip()]
        data = OptionIn(
            name=_required_text(form, "name", _("the option's name")),
            name_ru=_optional_text(form, "name_ru"),
            name_en=_optional_text(form, "name_en"),
            values=[OptionValueIn(value=value[:MAX_TEXT]) for value in values[:MAX_TEXT]],
        )
        await variant_service.add_option(session, product, data)
        return _("Option added.")
    option = await variant_service.get_option(session, product, _id(form, "option_id"))
    if operation == "rename_option":
        change = OptionUpdate(
            name=_required_text(form, "name", _("the option's name")),
            name_ru=_optional_text(form, "name_ru"),
            name_en=_optional_text(form, "name_en"),
        )
        await variant_service.update_option(session, product, option, change)
        return _("Option saved.")
    if operation == "delete_option":
        await variant_service.delete_option(session, product, option)
        return _("Option removed.")
    if operation == "add_value":
        value = OptionValueIn(
            value=_required_text(form, "value", _("a value")),
            value_ru=_optional_text(form, "value_ru"),
            value_en=_optional_text(form, "value_en"),
        )
        await variant_service.add_value(session, option, value)
        return _("Value added.")
    value_id = _id(form, "value_id")
    if operation == "rename_value":
        update = OptionValueUpdate(
            value=_required_text(form, "value", _("a value")),
            value_ru=_optional_text(form, "value_ru"),
            value_en=_optional_text(form, "value_en"),
        )
        await variant_service.update_value(session, option, value_id, update)
        return _("Value saved.")
    if operation in ("value_up", "value_down"):
        options = await catalog_variants.options_of(session, product.id)
        ids = [value.id for each in options if each.id == option.id for value in each.values]
        if value_id not in ids:
            await variant_service.get_value(session, option, value_id)  # 404
        index = ids.index(value_id) + (-1 if operation == "value_up" else 1)
        move = OptionValueUpdate(position=max(index, 0))
        await variant_service.update_value(session, option, value_id, move)
        return _("Value moved.")
    if operation == "delete_value":
        await variant_service.delete_value(session, product, option, value_id)
        return _("Value removed.")
    raise Unprocessable(_("Choose what to change."))


async def _save(session: Any, product: Product, operation: str, form: Any, typed: Typed) -> str:
    """Every variant's fields as typed (`save`), or the bulk fields applied to the
    selected variants (`bulk`): one call of the service, all or nothing."""
    typed.values = {key: str(value) for key, value in form.items() if key != "csrf_token"}
    current = {v.id: v for v in await catalog_variants.variants_of(session, product.id)}
    changes: list[tuple[int, VariantUpdate]] = []
    if operation == "save":
        for variant_id, variant in current.items():
            if f"price-{variant_id}" not in form:
                continue
            fields: dict[str, Any] = {"is_active": _text(form, f"active-{variant_id}") == "on"}
            for name in VARIANT_FIELDS:
                key = f"{name}-{variant_id}"
                try:
                    fields[name] = _parse(name, _text(form, key))
                except ValueError as problem:
                    typed.errors[key] = str(problem)
            changed = {k: v for k, v in fields.items() if getattr(variant, k) != v}
            if changed:
                changes.append((variant_id, VariantUpdate(**changed)))
    else:
        chosen = [v for v in current if _text(form, f"select-{v}") == "on"]
        bulk: dict[str, Any] = {}
        for name in BULK_FIELDS:
            key = f"bulk_{name}"
            if _text(form, key):
                try:
                    bulk[name] = _parse(name, _text(form, key))
                except ValueError as problem:
                    typed.errors[key] = str(problem)
        if _text(form, "bulk_active") in ("on", "off"):
            bulk["is_active"] = _text(form, "bulk_active") == "on"
        if not typed.errors and (not chosen or not bulk):
            raise Unprocessable(_("Select variants and say what to set for them."))
        changes = [(variant_id, VariantUpdate(**bulk)) for variant_id in chosen]
    if typed.errors or not changes:
        return _("Nothing to save.")
    await variant_service.update_variants(session, product, changes)
    return _("%(count)d variant(s) saved.") % {"count": len(changes)}
