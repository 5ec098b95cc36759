"""Products and categories in the admin.

Writes go through the catalog service, exactly as the API's: slugs, SKU checks and the
Stripe sync mark are the service's business, not the admin's. The forms are built from the
service's schemas (`ProductCreate`, `CategoryCreate`), so a field added there shows here.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, ClassVar

from markupsafe import Markup
from pydantic import BaseModel
from sqladmin import action
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from wtforms import FileField, Form, SelectField, StringField, validators

from vitrina.admin.base import StaffView, audited, back_to, done, report, selected_pks
from vitrina.admin.forms import (
    CONTROL,
    SELECT,
    money_field,
    not_saved,
    schema_form,
    select_field,
)
from vitrina.admin.i18n import gettext as _
from vitrina.admin.i18n import lazy, money
from vitrina.admin.import_pages import ImportPages
from vitrina.admin.labels import N_, SYNC_LABELS
from vitrina.admin.product_pages import ProductPages, flatten
from vitrina.admin.variant_pages import VariantPages
from vitrina.catalog import categories as catalog_categories
from vitrina.catalog import images as catalog_images
from vitrina.catalog import service as catalog_service
from vitrina.catalog import variant_service
from vitrina.catalog.models import Category, Product
from vitrina.catalog.schemas import (
    CategoryCreate,
    CategoryUpdate,
    ProductCreate,
    ProductUpdate,
)
from vitrina.errors import VitrinaError

PRODUCT_LABELS = {
    "name": N_("Name"),
    "slug": N_("Web address (empty: made from the name)"),
    "sku": N_("SKU"),
    "category_id": N_("Category"),
    "price": N_("Price"),
    "stock": N_("In stock"),
    "description": N_("Description"),
    "is_active": N_("On sale (shown in the store)"),
    "name_ru": N_("Name in Russian"),
    "name_en": N_("Name in English"),
    "description_ru": N_("Description in Russian"),
    "description_en": N_("Description in English"),
    "weight_grams": N_("Shipping weight (grams)"),
    "ships_to": N_("Ships only to (country codes, e.g. DE, FR; empty: everywhere)"),
    "tax_class": N_("Tax class"),
}
PRODUCT_TAKEN = {
    "slug": N_("Another product already uses this web address."),
    "sku": N_("Another product already uses this SKU."),
}
CATEGORY_TAKEN = {"slug": N_("Another category already uses this web address.")}
"""What the form says next to a field whose value another row already has."""
CATEGORY_LABELS = {
    "name": N_("Name"),
    "slug": N_("Web address (empty: made from the name)"),
    "parent_id": N_("Parent category"),
    "description": N_("Description"),
    "position": N_("Position in menus"),
    "name_ru": N_("Name in Russian"),
    "name_en": N_("Name in English"),
}


async def category_choices() -> list[tuple[int, str]]:
    async with audited() as session:
        return flatten(await catalog_categories.category_tree(session))


def schema_fields(
    create: type[BaseModel], data: dict[str, Any], update: type[BaseModel] | None = None
) -> dict[str, Any]:
    """The form's values for the service's schema (`create`, or `update` for an edit): blank
    text in a field that may be empty means "none"; a blank field that may not be empty keeps
    its default on create and its value on update."""
    fields: dict[str, Any] = {}
    target = update or create
    for name, info in create.model_fields.items():
        if name not in data or name not in target.model_fields:
            continue
        value = data[name]
        nullable = info.default is None and not info.is_required()
        if isinstance(value, str) and not value.strip() and nullable:
            value = None
        if value is None and not nullable:
            continue
        fields[name] = value
    return fields


def _price(model: Product, _attribute: Any) -> str:
    return money(model.price, model.currency)


def _category(model: Product, _attribute: Any) -> str:
    return model.category.name


def _thumbnails(model: Product, _attribute: Any) -> list[Markup]:
    return [
        Markup('<img class="image-thumb" src="/media/{}" alt="{}">').format(i.path, i.alt)
        for i in model.images
    ]


def _sync(model: Any, _attribute: Any) -> str:
    return _(SYNC_LABELS.get(model.sync_state.value, model.sync_state.value))


class ProductAdmin(ProductPages, ImportPages, VariantPages, StaffView, model=Product):
    name = lazy("Product")
    name_plural = lazy("Products")
    icon = "fa-solid fa-box"
    column_list = (
        Product.id,
        Product.name,
        Product.category,
        Product.price,
        Product.stock,
        Product.is_active,
        "sync_version",
        Product.updated_at,
    )
    column_details_list = (
        Product.id,
        Product.name,
        Product.slug,
        Product.sku,
        Product.category,
        Product.price,
        Product.stock,
        Product.is_active,
        Product.description,
        Product.images,
        "sync_version",
        Product.sync_error,
        Product.stripe_id,
        Product.created_at,
        Product.updated_at,
    )
    column_searchable_list = (Product.name, Product.sku, Product.slug)
    column_sortable_list = (Product.id, Product.name, Product.price, Product.stock)
    column_default_sort = (Product.id, True)
    column_labels: ClassVar[dict[Any, Any]] = {
        Product.id: "#",
        Product.name: lazy("Name"),
        Product.slug: lazy("Web address"),
        Product.sku: lazy("SKU"),
        Product.category: lazy("Category"),
        Product.price: lazy("Price"),
        Product.stock: lazy("In stock"),
        Product.is_active: lazy("On sale"),
        Product.description: lazy("Description"),
        Product.images: lazy("Images"),
        "sync_version": lazy("Stripe"),
        Product.sync_error: lazy("Last Stripe error"),
        Product.stripe_id: lazy("Stripe id"),
        Product.created_at: lazy("Created"),
        Product.updated_at: lazy("Changed"),
    }
    column_formatters: ClassVar[dict[Any, Any]] = {
        Product.price: _price,
        Product.category: _category,
        "sync_version": _sync,
    }
    column_formatters_detail: ClassVar[dict[Any, Any]] = {
        **column_formatters,
        Product.images: _thumbnails,
    }
    form_columns = tuple(ProductCreate.model_fields)
    non_link_related_fields: ClassVar[list[Any]] = [Product.images]
    show_compact_lists = False

    async def scaffold_form(self, rules: list[str] | None = None) -> type[Form]:
        tax_classes = [
            ("standard", lazy("Standard rate")),
            ("reduced", lazy("Reduced rate")),
            ("zero", lazy("Zero rate")),
        ]
        special = {
            "category_id": select_field(await category_choices()),
            "price": money_field,
            "tax_class": lambda label, _required: SelectField(
                label, choices=tax_classes, default="standard", render_kw=SELECT
            ),
        }
        extra = {
            "image": FileField(lazy("Add an image (JPEG, PNG or WebP)"), render_kw=CONTROL),
            "image_alt": StringField(
                lazy("Image description (alt text)"),
                [validators.Length(max=300)],
                render_kw=CONTROL,
            ),
        }
        return schema_form(ProductCreate, PRODUCT_LABELS, special, extra=extra)

    async def _attach_image(self, session: Any, product: Product, data: dict[str, Any]) -> None:
        upload, alt = data.get("image"), str(data.get("image_alt") or "")
        if not isinstance(upload, UploadFile):
            return
        try:
            content = await upload.read()
        finally:
            await upload.close()  # sqladmin reads the form without closing its files
        if content:
            await catalog_images.add_image(session, product, content, alt=alt or product.name)

    async def insert_model(self, request: Request, data: dict[str, Any]) -> Any:
        try:
            async with audited() as session:
                fields = schema_fields(ProductCreate, data)
                product = await catalog_service.create_product(session, ProductCreate(**fields))
                await self._attach_image(session, product, data)
        except VitrinaError as error:
            raise not_saved(error, PRODUCT_TAKEN) from error
        return product

    async def update_model(self, request: Request, pk: str, data: dict[str, Any]) -> Any:
        try:
            async with audited() as session:
                fields = schema_fields(ProductCreate, data, ProductUpdate)
                product = await catalog_service.get_product(session, int(pk), staff=True)
                await catalog_service.update_product(session, product, ProductUpdate(**fields))
                await self._attach_image(session, product, data)
        except VitrinaError as error:
            raise not_saved(error, PRODUCT_TAKEN) from error
        return product

    async def delete_model(self, request: Request, pk: Any) -> None:
        try:
            async with audited() as session:
                product = await catalog_service.get_product(session, int(pk), staff=True)
                paths = await catalog_service.delete_product(session, product)
        except VitrinaError as error:
            raise ValueError(_("Not deleted: %(reason)s") % {"reason": error.detail}) from error
        catalog_images.remove_files(paths)

    async def _set_active(self, request: Request, active: bool) -> Response:
        pks = selected_pks(request)
        try:
            async with audited("activate" if active else "deactivate") as session:
                for pk in pks:
                    product = await catalog_service.get_product(session, int(pk), staff=True)
                    await catalog_service.set_active(session, product, active)
        except VitrinaError as error:
            report(request, error)
        else:
            message = (
                _("%(count)d product(s) put on sale.")
                if active
                else _("%(count)d product(s) taken off sale.")
            )
            done(request, message % {"count": len(pks)})
        return back_to(request, self, pks)

    @action(name="activate", label=lazy("Put on sale"), add_in_list=True, add_in_detail=True)
    async def activate(self, request: Request) -> Response:
        return await self._set_active(request, True)

    @action(
        name="deactivate",
        label=lazy("Take off sale"),
        confirmation_message=lazy("Hide these products from the store?"),
        add_in_list=True,
        add_in_detail=True,
    )
    async def deactivate(self, request: Request) -> Response:
        return await self._set_active(request, False)

    @action(
        name="generate-variants",
        label=lazy("Make a variant of each combination"),
        add_in_list=False,
        add_in_detail=True,
    )
    async def generate_variants_action(self, request: Request) -> Response:
        """Every combination of the product's option values not sold yet becomes a variant
        (at the product's price, out of stock: staff then set their SKUs and stock)."""
        pks = selected_pks(request)
        made = 0
        try:
            async with audited("generate_variants") as session:
                for pk in pks:
                    product = await catalog_service.get_product(session, int(pk), staff=True)
                    made += len(await variant_service.generate_variants(session, product))
        except VitrinaError as error:
            report(request, error)
        else:
            done(request, _("%(count)d variant(s) made.") % {"count": made})
        return back_to(request, self, pks)

    @action(name="bulk-edit", label=lazy("Change category or price…"), add_in_detail=False)
    async def bulk_edit_action(self, request: Request) -> Response:
        url = request.url_for("admin:view-product-bulk_page").include_query_params(
            pks=",".join(selected_pks(request))
        )
        return RedirectResponse(url, status_code=303)

    @action(
        name="variants", label=lazy("Options and variants"), add_in_list=False, add_in_detail=True
    )
    async def variants_action(self, request: Request) -> Response:
        pks = selected_pks(request)
        url = request.url_for("admin:view-product-variants_page", pk=pks[0] if pks else "0")
        return RedirectResponse(url, status_code=303)

    @action(name="images", label=lazy("Images"), add_in_list=False, add_in_detail=True)
    async def images_action(self, request: Request) -> Response:
        pks = selected_pks(request)
        url = request.url_for("admin:view-product-images_page", pk=pks[0] if pks else "0")
        return RedirectResponse(url, status_code=303)

    @action(name="adjust-stock", label=lazy("Adjust stock"), add_in_list=False, add_in_detail=True)
    async def adjust_stock_action(self, request: Request) -> Response:
        pks = selected_pks(request)
        url = request.url_for("admin:view-product-adjust_stock_page", pk=pks[0] if pks else "0")
        return RedirectResponse(url, status_code=303)


_category_names: ContextVar[dict[int, str] | None] = ContextVar(
    "admin_category_names", default=None
)


def _parent(model: Category, _attribute: Any) -> str:
    if model.parent_id is None:
        return "—"
    return (_category_names.get() or {}).get(model.parent_id, str(model.parent_id))


class CategoryAdmin(StaffView, model=Category):
    name = lazy("Category")
    name_plural = lazy("Categories")
    icon = "fa-solid fa-folder-tree"
    column_list = (Category.id, Category.name, Category.slug, Category.parent_id, Category.position)
    column_searchable_list = (Category.name, Category.slug)
    column_sortable_list = (Category.id, Category.name, Category.position)
    column_labels: ClassVar[dict[Any, Any]] = {
        Category.id: "#",
        Category.name: lazy("Name"),
        Category.slug: lazy("Web address"),
        Category.parent_id: lazy("Parent category"),
        Category.position: lazy("Position in menus"),
        Category.description: lazy("Description"),
        Category.created_at: lazy("Created"),
        Category.updated_at: lazy("Changed"),
    }
    column_formatters: ClassVar[dict[Any, Any]] = {Category.parent_id: _parent}
    column_formatters_detail = column_formatters
    form_columns = tuple(CategoryCreate.model_fields)

    async def _remember_names(self) -> dict[str, Any]:
        """The parent column shows names; the formatter reads them from here."""
        _category_names.set({pk: name.lstrip("— ") for pk, name in await category_choices()})
        return {}

    async def list_context(self, request: Request) -> dict[str, Any]:
        return await self._remember_names()

    async def details_context(self, request: Request) -> dict[str, Any]:
        return await self._remember_names()

    async def scaffold_form(self, rules: list[str] | None = None) -> type[Form]:
        choices: list[tuple[Any, str]] = [("", _("(top level)")), *await category_choices()]
        special = {"parent_id": select_field(choices, optional=True)}
        return schema_form(CategoryCreate, CATEGORY_LABELS, special)

    async def insert_model(self, request: Request, data: dict[str, Any]) -> Any:
        try:
            async with audited() as session:
                fields = schema_fields(CategoryCreate, data)
                return await catalog_categories.create_category(session, CategoryCreate(**fields))
        except VitrinaError as error:
            raise not_saved(error, CATEGORY_TAKEN) from error

    async def update_model(self, request: Request, pk: str, data: dict[str, Any]) -> Any:
        try:
            async with audited() as session:
                category = await catalog_categories.find_category(session, int(pk))
                fields = schema_fields(CategoryCreate, data, CategoryUpdate)
                return await catalog_categories.update_category(
                    session, category, CategoryUpdate(**fields)
                )
        except VitrinaError as error:
            raise not_saved(error, CATEGORY_TAKEN) from error

    async def delete_model(self, request: Request, pk: Any) -> None:
        try:
            async with audited() as session:
                category = await catalog_categories.find_category(session, int(pk))
                await catalog_categories.delete_category(session, category)
        except VitrinaError as error:
            raise ValueError(_("Not deleted: %(reason)s") % {"reason": error.detail}) from error
