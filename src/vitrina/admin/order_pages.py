"""Working an order: change its status, write a note, refund, resolve a review, print.

Each POST is one audited transaction through the orders services; the refund form carries a
fresh token, so submitting it twice (a double click) records and sends one refund.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqladmin import expose
from sqladmin.templating import Jinja2Templates
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from vitrina.accounts.models import User
from vitrina.admin.base import audited, done, report
from vitrina.admin.i18n import gettext as _
from vitrina.admin.i18n import parse_amount, plain_amount
from vitrina.admin.invoice import invoice_pdf
from vitrina.admin.labels import REFUND_REASONS
from vitrina.admin.order_data import load_order_page
from vitrina.errors import BadRequest, Unprocessable, VitrinaError
from vitrina.orders import refunds as orders_refunds
from vitrina.orders import review as orders_review
from vitrina.orders import staff as orders_staff
from vitrina.orders.models import OrderStatus, RefundStatus
from vitrina.payments.refunds import as_reason

MAX_QUANTITY = 1_000_000


def _order_url(request: Request, pk: int) -> Any:
    return request.url_for("admin:details", identity="order", pk=pk)


def _refund_ask(form: FormData, currency: str) -> orders_refunds.RefundAsk:
    lines = []
    for key, value in form.multi_items():
        if not key.startswith("qty-") or not str(value).strip():
            continue
        item_id, quantity = key.removeprefix("qty-"), str(value).strip()
        if not item_id.isdigit() or not quantity.isdigit() or int(quantity) > MAX_QUANTITY:
            raise Unprocessable(_("Quantities are whole numbers, 0 or more."))
        lines.append(orders_refunds.LineAsk(int(item_id), int(quantity)))
    text = str(form.get("amount", "")).strip()
    try:
        amount = parse_amount(text, currency) if text else 0
    except ValueError as error:
        raise Unprocessable(str(error)) from None
    token = str(form.get("token", ""))
    if not token.isalnum() or not 16 <= len(token) <= 64:
        raise BadRequest(_("The form has expired. Reload the page and try again."))
    return orders_refunds.RefundAsk(
        lines=tuple(lines),
        amount=amount,
        reason=as_reason(str(form.get("reason", ""))),
        note=str(form.get("note", ""))[:2000],
        restock=form.get("restock") is not None,
        token=token,
    )


class OrderPages:
    """Mixed into OrderAdmin (sqladmin exposes these methods as its routes)."""

    templates: Jinja2Templates

    @expose("/{pk:int}/status", methods=["POST"])
    async def status_page(self, request: Request) -> Response:
        pk = int(request.path_params["pk"])
        form = await request.form()
        staff: User = request.state.staff
        try:
            target = OrderStatus(str(form.get("status", "")))
        except ValueError:
            report(request, Unprocessable(_("Choose what to do with the order.")))
            return RedirectResponse(_order_url(request, pk), status_code=303)
        try:
            async with audited(f"status:{target.value}") as session:
                await orders_staff.change_status(
                    session, pk, target, staff, str(form.get("note", ""))[:2000]
                )
        except VitrinaError as error:
            report(request, error)
        else:
            done(request, _("The order has been updated."))
        return RedirectResponse(_order_url(request, pk), status_code=303)

    @expose("/{pk:int}/note", methods=["POST"])
    async def note_page(self, request: Request) -> Response:
        pk = int(request.path_params["pk"])
        form = await request.form()
        try:
            async with audited("note") as session:
                await orders_staff.add_note(
                    session, pk, request.state.staff, str(form.get("note", ""))
                )
        except VitrinaError as error:
            report(request, error)
        else:
            done(request, _("Note added."))
        return RedirectResponse(_order_url(request, pk), status_code=303)

    @expose("/{pk:int}/refund", methods=["GET", "POST"])
    async def refund_page(self, request: Request) -> Response:
        """Refund lines (at what was paid for them) and/or an amount, with a reason."""
        pk = str(request.path_params["pk"])
        page = await load_order_page(pk)
        if page is None:
            return RedirectResponse(request.url_for("admin:list", identity="order"), 303)
        context: dict[str, Any] = {"page": page, "error": None, "form": {}}
        if request.method == "POST":
            form = await request.form()
            context["form"] = {key: str(value) for key, value in form.items()}
            try:
                ask = _refund_ask(form, page.order.currency)
                async with audited("refund") as session:
                    outcome = await orders_refunds.request_refund(
                        session, page.order.id, ask, request.state.staff
                    )
            except VitrinaError as error:
                context["error"], context["status"] = str(error.detail), error.status_code
            else:
                refund = outcome.refund
                if refund.status is RefundStatus.FAILED:
                    context["error"] = _("Stripe refused the refund: %(reason)s") % {
                        "reason": refund.error
                    }
                else:
                    done(
                        request,
                        _("Refund sent to Stripe.")
                        if outcome.created
                        else _("This refund had already been sent; nothing was sent again."),
                    )
                    return RedirectResponse(_order_url(request, page.order.id), 303)
            page = await load_order_page(pk) or page
            context["page"] = page
        context["token"] = context["form"].get("token") or secrets.token_hex(16)
        context["reasons"] = {key: _(label) for key, label in REFUND_REASONS.items()}
        context["paid_lines"] = orders_refunds.paid_line_totals(page.order)
        context["amount_text"] = context["form"].get("amount", "")
        context["refundable_text"] = plain_amount(page.refundable, page.order.currency)
        status = context.get("status", 400) if context["error"] else 200
        return await self.templates.TemplateResponse(
            request, "order_refund.html", context, status_code=status
        )

    @expose("/{pk:int}/packing-slip", methods=["GET"])
    async def packing_slip_page(self, request: Request) -> Response:
        page = await load_order_page(str(request.path_params["pk"]))
        if page is None:
            return RedirectResponse(request.url_for("admin:list", identity="order"), 303)
        return await self.templates.TemplateResponse(request, "packing_slip.html", {"page": page})

    @expose("/{pk:int}/invoice.pdf", methods=["GET"])
    async def invoice_page(self, request: Request) -> Response:
        page = await load_order_page(str(request.path_params["pk"]))
        if page is None:
            return RedirectResponse(request.url_for("admin:list", identity="order"), 303)
        pdf = invoice_pdf(page.order, page.money)
        headers = {"Content-Disposition": f'inline; filename="invoice-{page.order.id}.pdf"'}
        return Response(pdf, media_type="application/pdf", headers=headers)

    @expose("/review/{pk:int}", methods=["GET", "POST"])
    async def resolve_review_page(self, request: Request) -> Response:
        """Clear the review flag with a note (orders.review.resolve_review), audited."""
        pk = int(request.path_params["pk"])
        context: dict[str, Any] = {"error": None, "note": None}
        status = 200
        if request.method == "POST":
            form = await request.form()
            note = str(form.get("note", "")).strip()[:2000]
            context["note"] = note
            try:
                if not note:
                    raise BadRequest(_("Write what was checked or done."))
                async with audited("review:resolve") as session:
                    await orders_review.resolve_review(session, pk, request.state.staff, note)
            except VitrinaError as error:
                context["error"], status = str(error.detail), error.status_code
            else:
                done(request, _("Review resolved."))
                return RedirectResponse(_order_url(request, pk), status_code=303)
        page = await load_order_page(str(pk))
        if page is None:
            return RedirectResponse(request.url_for("admin:list", identity="order"), 303)
        context["order"] = page.order
        return await self.templates.TemplateResponse(
            request, "review.html", context, status_code=status
        )
