"""Products (with image upload, stock, activate/deactivate) and categories in the admin.

Writes go through the catalog service, exactly as the API's: slugs, SKU checks and the
Stripe sync mark are the service's business, not the admin's.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqladmin import action, expose
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from wtforms import (
    BooleanField,
    FileField,
    Form,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    validators,
)

from vitrina.admin.base import (
    CHECK,
    CONTROL,
    SELECT,
    StaffView,
    audited,
    back_to,
    done,
    report,
    selected_pks,
)
from vitrina.audit.service import record
from vitrina.catalog import categories as catalog_categories
from vitrina.catalog import images as catalog_images
from vitrina.catalog import service as catalog_service
from vitrina.catalog.models import Category, Product
from vitrina.catalog.schemas import (
    CategoryCreate,
    CategoryNode,
    CategoryUpdate,
    ProductCreate,
    ProductUpdate,
)
from vitrina.errors import VitrinaError

PRODUCT_FIELDS = (
    "name",
    "slug",
    "sku",
    "category_id",
    "price",
    "stock",
    "description",
    "is_active",
)


def _flatten(nodes: list[CategoryNode], depth: int = 0) -> list[tuple[int, str]]:
    choices: list[tuple[int, str]] = []
    for node in nodes:
        choices.append((node.id, "— " * depth + node.name))
        choices.extend(_flatten(node.children, depth + 1))
    return choices


async def _category_choices() -> list[tuple[int, str]]:
    async with audited() as session:
        return _flatten(await catalog_categories.category_tree(session))


def _blank_to_none(value: Any) -> Any:
    return value.strip() or None if isinstance(value, str) else value


class ProductAdmin(StaffView, model=Product):
    name = "Product"
    name_plural = "Products"
    icon = "fa-solid fa-box"
    column_list = (
        Product.id,
        Product.name,
        Product.price,
        Product.currency,
        Product.stock,
        Product.is_active,
        Product.synced_version,
        Product.updated_at,
    )
    column_searchable_list = (Product.name, Product.sku, Product.slug)
    column_sortable_list = (Product.id, Product.name, Product.price, Product.stock)
    column_default_sort = (Product.id, True)
    column_labels: ClassVar[dict[Any, str]] = {
        Product.price: "Price (minor units)",
        Product.synced_version: "Synced v.",
    }
    column_details_exclude_list = (Product.category, Product.images)
    form_columns = PRODUCT_FIELDS

    async def scaffold_form(self, rules: list[str] | None = None) -> type[Form]:
        choices = await _category_choices()

        class ProductForm(Form):  # type: ignore[misc]
            name = StringField(
                "Name",
                [validators.InputRequired(), validators.Length(max=300)],
                render_kw=CONTROL,
            )
            slug = StringField(
                "Slug (empty: made from the name)",
                [validators.Optional()],
                render_kw=CONTROL,
            )
            sku = StringField(
                "SKU",
                [validators.Optional(), validators.Length(max=100)],
                render_kw=CONTROL,
            )
            category_id = SelectField("Category", coerce=int, choices=choices, render_kw=SELECT)
            price = IntegerField(
                "Price in minor units (50000 = 500.00)",
                [validators.InputRequired(), validators.NumberRange(min=0)],
                render_kw=CONTROL,
            )
            stock = IntegerField(
                "Stock",
                [validators.InputRequired(), validators.NumberRange(0)],
                render_kw=CONTROL,
            )
            description = TextAreaField("Description", render_kw=CONTROL)
            is_active = BooleanField("Active (shown in the store)", default=True, render_kw=CHECK)
            image = FileField("Add an image (JPEG, PNG or WebP)", render_kw=CONTROL)
            image_alt = StringField(
                "Image alt text", [validators.Length(max=300)], render_kw=CONTROL
            )

        return ProductForm

    async def _attach_image(self, session: Any, product: Product, data: dict[str, Any]) -> None:
        upload, alt = data.pop("image", None), str(data.pop("image_alt", "") or "")
        if not isinstance(upload, UploadFile):
            return
        try:
            content = await upload.read()
        finally:
            await upload.close()  # sqladmin reads the form without closing its files
        if content:
            await catalog_images.add_image(session, product, content, alt=alt or product.name)

    async def insert_model(self, request: Request, data: dict[str, Any]) -> Any:
        fields = {key: _blank_to_none(data.get(key)) for key in PRODUCT_FIELDS}
        fields["description"] = fields["description"] or ""
        async with audited() as session:
            product = await catalog_service.create_product(session, ProductCreate(**fields))
            await self._attach_image(session, product, data)
        return product

    async def update_model(self, request: Request, pk: str, data: dict[str, Any]) -> Any:
        fields = {key: _blank_to_none(data.get(key)) for key in PRODUCT_FIELDS}
        fields["description"] = fields["description"] or ""
        async with audited() as session:
            product = await catalog_service.get_product(session, int(pk), staff=True)
            await catalog_service.update_product(session, product, ProductUpdate(**fields))
            await self._attach_image(session, product, data)
        return product

    async def delete_model(self, request: Request, pk: Any) -> None:
        async with audited() as session:
            product = await catalog_service.get_product(session, int(pk), staff=True)
            paths = await catalog_service.delete_product(session, product)
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
            done(request, f"{len(pks)} product(s) {'activated' if active else 'deactivated'}.")
        return back_to(request, self, pks)

    @action(name="adjust-stock", label="Adjust stock", add_in_list=False, add_in_detail=True)
    async def adjust_stock_action(self, request: Request) -> Response:
        pks = selected_pks(request)
        url = request.url_for("admin:view-product-adjust_stock_page", pk=pks[0] if pks else "0")
        return RedirectResponse(url, status_code=302)

    @expose("/stock/{pk:int}", methods=["GET", "POST"])
    async def adjust_stock_page(self, request: Request) -> Response:
        """Receive or write off stock with a reason (catalog.adjust_stock), audited."""
        pk = int(request.path_params["pk"])
        context: dict[str, Any] = {"error": None, "delta": None, "reason": None}
        if request.method == "POST":
            form = await request.form()
            context["delta"], context["reason"] = form.get("delta"), form.get("reason")
            try:
                delta = int(str(form.get("delta", "")))
            except ValueError:
                context["error"] = "Enter a whole number, such as 5 or -2."
            else:
                try:
                    await self._adjust(request, pk, delta, str(form.get("reason", ""))[:500])
                except VitrinaError as error:
                    context["error"] = str(error.detail)
                else:
                    done(request, f"Stock changed by {delta}.")
                    url = request.url_for("admin:details", identity=self.identity, pk=pk)
                    return RedirectResponse(url, status_code=302)
        async with audited() as session:
            context["product"] = await catalog_service.get_product(session, pk, staff=True)
        status = 400 if context["error"] else 200
        return await self.templates.TemplateResponse(
            request, "stock.html", context, status_code=status
        )

    async def _adjust(self, request: Request, pk: int, delta: int, reason: str) -> None:
        staff = request.state.staff
        async with audited() as session:
            session.info["audit_manual"] = True
            product = await catalog_service.get_product(session, pk, staff=True)
            before = product.stock
            after = await catalog_service.adjust_stock(session, product, delta, reason)
            record(
                session,
                staff.id,
                "stock:adjust",
                product,
                {"stock": before},
                {"stock": after, "reason": reason},
            )

    @action(name="activate", label="Activate", add_in_list=True, add_in_detail=True)
    async def activate(self, request: Request) -> Response:
        return await self._set_active(request, True)

    @action(
        name="deactivate",
        label="Deactivate",
        confirmation_message="Hide these products from the store?",
        add_in_list=True,
        add_in_detail=True,
    )
    async def deactivate(self, request: Request) -> Response:
        return await self._set_active(request, False)


class CategoryAdmin(StaffView, model=Category):
    name = "Category"
    name_plural = "Categories"
    icon = "fa-solid fa-folder-tree"
    column_list = (Category.id, Category.name, Category.slug, Category.parent_id, Category.position)
    column_searchable_list = (Category.name, Category.slug)
    column_sortable_list = (Category.id, Category.name, Category.position)
    form_columns = ("name", "slug", "parent_id", "description", "position")

    async def scaffold_form(self, rules: list[str] | None = None) -> type[Form]:
        choices: list[tuple[Any, str]] = [("", "(top level)"), *await _category_choices()]

        class CategoryForm(Form):  # type: ignore[misc]
            name = StringField(
                "Name",
                [validators.InputRequired(), validators.Length(max=200)],
                render_kw=CONTROL,
            )
            slug = StringField(
                "Slug (empty: made from the name)",
                [validators.Optional()],
                render_kw=CONTROL,
            )
            parent_id = SelectField(
                "Parent",
                choices=choices,
                coerce=lambda v: int(v) if v not in ("", None) else None,
                render_kw=SELECT,
            )
            description = TextAreaField("Description", render_kw=CONTROL)
            position = IntegerField("Position", default=0, render_kw=CONTROL)

        return CategoryForm

    @staticmethod
    def _fields(data: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": data.get("name"),
            "slug": _blank_to_none(data.get("slug")),
            "parent_id": data.get("parent_id"),
            "description": data.get("description") or "",
            "position": data.get("position") or 0,
        }

    async def insert_model(self, request: Request, data: dict[str, Any]) -> Any:
        async with audited() as session:
            return await catalog_categories.create_category(
                session, CategoryCreate(**self._fields(data))
            )

    async def update_model(self, request: Request, pk: str, data: dict[str, Any]) -> Any:
        async with audited() as session:
            category = await catalog_categories.find_category(session, int(pk))
            fields = self._fields(data)
            return await catalog_categories.update_category(
                session, category, CategoryUpdate(**fields)
            )

    async def delete_model(self, request: Request, pk: Any) -> None:
        async with audited() as session:
            category = await catalog_categories.find_category(session, int(pk))
            await catalog_categories.delete_category(session, category)
