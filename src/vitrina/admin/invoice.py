"""The invoice of an order as a PDF (fpdf2, with DejaVu Sans for Cyrillic and ₽)."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from vitrina.admin.i18n import ADDRESS_LINES, language, moment, money
from vitrina.admin.i18n import gettext as _
from vitrina.config import get_settings
from vitrina.orders.models import Order
from vitrina.orders.service import OrderMoney
from vitrina.storefront.i18n import country

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
FAMILY = "DejaVu"


def _address_lines(order: Order) -> list[str]:
    address = order.shipping_address or {}
    lines = [str(address[key]) for key in ADDRESS_LINES if address.get(key)]
    if address.get("country"):
        lines.append(country(str(address["country"]), language()))
    return lines


def tax_rows(order: Order) -> list[tuple[str, str]]:
    """Tax per rate ("VAT 19 % (included)"), else one line for the order's tax."""
    rows = []
    for tax in order.tax_breakdown or []:
        label = f"{tax['name']} {tax['percentage']} %"
        if tax.get("inclusive"):
            label = _("%(tax)s (included)") % {"tax": label}
        rows.append((label, money(int(tax["amount"]), order.currency)))
    if not rows and order.tax:
        rows.append((_("Tax"), money(order.tax, order.currency)))
    return rows


def invoice_pdf(order: Order, figures: OrderMoney) -> bytes:
    """One A4 page (more if the lines need it): seller, buyer, lines, totals, refunds."""
    settings = get_settings()
    pdf = FPDF(format="A4")
    pdf.set_title(_("Invoice %(number)s") % {"number": order.id})
    pdf.set_creator(settings.store_name)
    pdf.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 18)
    pdf.cell(0, 10, settings.store_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "B", 13)
    title = _("Invoice %(number)s") % {"number": order.id}
    pdf.cell(0, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 10)
    date_line = _("Order date: %(date)s") % {"date": moment(order.created_at)}
    pdf.cell(0, 6, date_line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if order.paid_at:
        paid_line = _("Paid: %(date)s") % {"date": moment(order.paid_at)}
        pdf.cell(0, 6, paid_line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(FAMILY, "B", 10)
    pdf.cell(0, 6, _("Bill to"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 10)
    for line in [order.email, *_address_lines(order)]:
        pdf.cell(0, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(5)
    widths = (100, 20, 35, 35)
    pdf.set_font(FAMILY, "B", 10)
    for width, title, align in zip(
        widths, (_("Item"), _("Qty"), _("Unit price"), _("Amount")), "LRRR", strict=True
    ):
        pdf.cell(width, 7, title, border="B", align=align)
    pdf.ln()
    pdf.set_font(FAMILY, "", 10)
    for item in order.items:
        cells = (
            item.name,
            str(item.quantity),
            money(item.unit_price, order.currency),
            money(item.line_total, order.currency),
        )
        for width, text, align in zip(widths, cells, "LRRR", strict=True):
            pdf.cell(width, 7, text[:60], align=align)
        pdf.ln()
    pdf.ln(2)
    rows = [(_("Subtotal"), money(order.subtotal, order.currency))]
    if order.discount:
        code = f" ({order.coupon_code})" if order.coupon_code else ""
        rows.append((_("Discount") + code, "−" + money(order.discount, order.currency)))
    shipping = _("Shipping")
    if order.shipping_name:
        shipping = f"{shipping} ({order.shipping_name})"
    rows.append((shipping, money(order.shipping, order.currency)))
    rows.extend(tax_rows(order))
    rows.append((_("Total"), money(order.total, order.currency)))
    if figures.refunded:
        rows.append((_("Paid"), money(figures.paid, order.currency)))
        rows.append((_("Refunded"), "−" + money(figures.refunded, order.currency)))
        rows.append((_("Net paid"), money(figures.net, order.currency)))
    for label, value in rows:
        bold = label in (_("Total"), _("Net paid"))
        pdf.set_font(FAMILY, "B" if bold else "", 10)
        pdf.cell(sum(widths[:3]), 6, label, align="R")
        pdf.cell(widths[3], 6, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
