"""The product pages beyond sqladmin's form: images, stock with a reason, and bulk changes.

Each change is one audited transaction through the catalog service; a bulk change of many
products is one transaction too, so it happens to all of them or to none.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqladmin import expose
from sqladmin.templating import Jinja2Templates
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from vitrina.admin.base import audited, done
from vitrina.admin.i18n import gettext as _
from vitrina.audit.service import record
from vitrina.catalog import categories as catalog_categories
from vitrina.catalog import images as catalog_images
from vitrina.catalog import service as catalog_service
from vitrina.catalog.schemas import CategoryNode, ProductUpdate
from vitrina.errors import Unprocessable, VitrinaError
from vitrina.kit.money import percent_of

BULK_OPERATIONS = ("activate", "deactivate", "category", "price")


def flatten(nodes: list[CategoryNode], depth: int = 0) -> list[tuple[int, str]]:
    """The category tree as (id, indented name) choices."""
    choices: list[tuple[int, str]] = []
    for node in nodes:
        choices.append((node.id, "— " * depth + node.name))
        choices.extend(flatten(node.children, depth + 1))
    return choices


def _pks(text: str) -> list[int]:
    return [int(pk) for pk in text.split(",") if pk.strip().isdigit()][:500]


def _percent(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise Unprocessable(_("Enter a percentage such as 10 or -15.")) from None
    if not value.is_finite() or value <= -100 or value > 1000:
        raise Unprocessable(_("Enter a percentage above -100 and at most 1000."))
    return value


class ProductPages:
    """Mixed into ProductAdmin (sqladmin exposes these methods as its routes)."""

    templates: Jinja2Templates
    identity: str

    @expose("/bulk", methods=["GET", "POST"])
    async def bulk_page(self, request: Request) -> Response:
        """Put on sale, take off sale, move to a category or change prices by a percentage."""
        context: dict[str, Any] = {"error": None, "form": {}}
        if request.method == "POST":
            form = await request.form()
            context["form"] = {key: str(value) for key, value in form.items()}
            pks = _pks(str(form.get("pks", "")))
            try:
                count = await self._bulk(request, pks, context["form"])
            except VitrinaError as error:
                context["error"] = str(error.detail)
            else:
                done(request, _("%(count)d product(s) changed.") % {"count": count})
                return RedirectResponse(request.url_for("admin:list", identity="product"), 303)
        else:
            pks = _pks(request.query_params.get("pks", ""))
        async with audited() as session:
            products = await catalog_service.get_products_by_ids(session, pks)
            tree = await catalog_categories.category_tree(session)
        context.update(products=list(products.values()), categories=flatten(tree))
        context["pks"] = ",".join(str(pk) for pk in products)
        status = 400 if context["error"] else 200
        return await self.templates.TemplateResponse(
            request, "product_bulk.html", context, status_code=status
        )

    async def _bulk(self, request: Request, pks: list[int], form: dict[str, str]) -> int:
        operation = form.get("operation", "")
        if operation not in BULK_OPERATIONS:
            raise Unprocessable(_("Choose what to change."))
        if not pks:
            raise Unprocessable(_("Select at least one product."))
        if operation == "category" and not form.get("category_id", "").isdigit():
            raise Unprocessable(_("Choose a category."))
        percent = _percent(form.get("percent", "")) if operation == "price" else Decimal(0)
        async with audited(f"bulk:{operation}") as session:
            products = await catalog_service.get_products_by_ids(session, pks)
            for product in products.values():
                if operation in ("activate", "deactivate"):
                    change = ProductUpdate(is_active=operation == "activate")
                elif operation == "category":
                    change = ProductUpdate(category_id=int(form["category_id"]))
                else:
                    change = ProductUpdate(price=product.price + percent_of(product.price, percent))
                await catalog_service.update_product(session, product, change)
        return len(products)

    @expose("/images/{pk:int}", methods=["GET", "POST"])
    async def images_page(self, request: Request) -> Response:
        """Add, describe, reorder and remove a product's images; nothing else changes."""
        pk = int(request.path_params["pk"])
        error = None
        if request.method == "POST":
            form = await request.form()
            try:
                removed = await self._change_images(pk, form)
            except VitrinaError as problem:
                error = str(problem.detail)
            else:
                catalog_images.remove_files(removed)
                done(request, _("Images saved."))
                return RedirectResponse(request.url, status_code=303)
        async with audited() as session:
            product = await catalog_service.get_product(session, pk, staff=True)
        context = {"product": product, "error": error}
        return await self.templates.TemplateResponse(
            request, "product_images.html", context, status_code=400 if error else 200
        )

    async def _change_images(self, pk: int, form: Any) -> list[str]:
        operation, image_id = str(form.get("operation", "")), str(form.get("image_id", ""))
        removed: list[str] = []
        async with audited(f"image:{operation}") as session:
            product = await catalog_service.get_product(session, pk, staff=True)
            ids = [image.id for image in product.images]
            if operation == "add":
                upload = form.get("file")
                content = await upload.read() if isinstance(upload, UploadFile) else b""
                if not content:
                    raise Unprocessable(_("Choose an image file to add."))
                alt = str(form.get("alt", ""))[:300] or product.name
                await catalog_images.add_image(session, product, content, alt=alt)
                return removed
            if not image_id.isdigit():
                raise Unprocessable(_("Choose an image."))
            image = await catalog_images.get_image(session, product, int(image_id))
            if operation == "alt":
                alt = str(form.get("alt", ""))
                if len(alt) > 300:
                    raise Unprocessable(_("An image description is at most 300 characters."))
                image.alt = alt
            elif operation in ("up", "down"):
                index = ids.index(image.id)
                other = index - 1 if operation == "up" else index + 1
                if 0 <= other < len(ids):
                    ids[index], ids[other] = ids[other], ids[index]
                    await catalog_images.reorder_images(session, product, ids)
            elif operation == "remove":
                removed.append(await catalog_images.delete_image(session, image))
            else:
                raise Unprocessable(_("Choose what to do with the image."))
            await session.flush()
        return removed

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
                context["error"] = _("Enter a whole number, such as 5 or -2.")
            else:
                try:
                    await self._adjust(request, pk, delta, str(form.get("reason", ""))[:500])
                except VitrinaError as error:
                    context["error"] = str(error.detail)
                else:
                    done(request, _("Stock changed by %(delta)d.") % {"delta": delta})
                    url = request.url_for("admin:details", identity="product", pk=pk)
                    return RedirectResponse(url, status_code=303)
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
