"""Mail about an order is in the language the customer bought in (kept on the checkout and
the order), with the product names the lines were sold under; every sentence any mail uses
has its Russian translation."""

from __future__ import annotations

from pathlib import Path

import httpx
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orders.conftest import Emulator
from vitrina.accounts.models import User
from vitrina.basket.models import CheckoutSession
from vitrina.mail import outbox
from vitrina.orders.models import Order
from vitrina.orders.notifications import wait_for_outgoing_mail

ROOT = Path(__file__).resolve().parents[2]
MAIL_WRITERS = (
    "src/vitrina/orders/notifications.py",
    "src/vitrina/accounts/emails.py",
    "src/vitrina/payments/guest_customers.py",
)


def test_every_mail_sentence_has_a_russian_translation() -> None:
    with (ROOT / "src/vitrina/locale/ru/LC_MESSAGES/messages.po").open("rb") as po:
        catalog = read_po(po)
    used = {
        message
        for path in MAIL_WRITERS
        for _line, message, _comments, _context in extract_from_file(
            "python", str(ROOT / path), keywords={"N_": None}
        )
    }
    assert len(used) > 20
    missing = sorted(m for m in used if not (catalog.get(m) and catalog.get(m).string))
    assert missing == [], f"add these to ru messages.po (and en): {missing}"


async def _buy(
    client: httpx.AsyncClient, emulator: Emulator, headers: dict[str, str], product_id: int
) -> int:
    """Basket, checkout and payment as the customer's browser does them, in its language."""
    put = await client.put(
        f"/api/v1/basket/items/{product_id}", json={"quantity": 2}, headers=headers
    )
    assert put.status_code == 200, put.text
    code = put.json()["unique_code"]
    checkout = await client.post("/api/v1/checkout", headers=headers)
    assert checkout.status_code == 200, checkout.text
    session_id = checkout.json()["session_id"]
    await emulator.complete(session_id)
    back = await client.get(
        "/api/v1/checkout/success", params={"session_id": session_id, "code": code}, headers=headers
    )
    assert back.status_code == 200, back.text
    return int(back.json()["id"])


async def test_a_russian_purchase_gets_russian_mails_with_the_names_sold(
    client: httpx.AsyncClient,
    session: AsyncSession,
    customer: User,
    customer_headers: dict[str, str],
    staff_headers: dict[str, str],
    make_product,
    emulator: Emulator,
) -> None:
    teapot = await make_product(name="Teapot", name_ru="Заварочный чайник", price=3500, stock=5)
    russian = {**customer_headers, "Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}
    order_id = await _buy(client, emulator, russian, teapot.id)

    order = await session.get(Order, order_id)
    assert order is not None and order.language == "ru"
    checkout = await session.scalar(
        select(CheckoutSession).where(CheckoutSession.id == order.stripe_session_id)
    )
    assert checkout is not None and checkout.language == "ru"
    stripe_lines = await emulator.stripe.v1.checkout.sessions.line_items.list_async(
        order.stripe_session_id
    )
    assert [line.description for line in stripe_lines.data] == ["Заварочный чайник"]

    await wait_for_outgoing_mail()
    (confirmation,) = [m for m in outbox() if m.to == customer.email]
    assert confirmation.subject == f"Vitrina: заказ №{order_id} подтверждён"
    assert f"Спасибо за заказ №{order_id}" in confirmation.body
    assert "2 × Заварочный чайник по 35,00\xa0$ = 70,00\xa0$" in confirmation.body
    assert "Статус: Оплачен" in confirmation.body

    # The order page, in English now, still names the line as it was sold.
    page = await client.get(f"/api/v1/orders/{order_id}", headers=customer_headers)
    assert [item["name"] for item in page.json()["items"]] == ["Заварочный чайник"]

    refund = await client.post(
        f"/api/v1/staff/orders/{order_id}/refunds",
        json={"amount": 1000, "reason": "requested_by_customer"},
        headers={**staff_headers, "Accept-Language": "en"},
    )
    assert refund.status_code == 201, refund.text
    await wait_for_outgoing_mail()
    (refund_mail,) = [m for m in outbox() if m.to == customer.email and m is not confirmation]
    assert refund_mail.subject == f"Vitrina: возврат 10,00\xa0$ по заказу №{order_id}"
    assert "Деньги вернутся на карту" in refund_mail.body


async def test_an_english_purchase_keeps_english_mails(
    client: httpx.AsyncClient,
    customer: User,
    customer_headers: dict[str, str],
    make_product,
    emulator: Emulator,
) -> None:
    teapot = await make_product(name="Teapot", name_ru="Заварочный чайник", price=3500, stock=5)
    english = {**customer_headers, "Accept-Language": "en-GB,en;q=0.9"}
    order_id = await _buy(client, emulator, english, teapot.id)
    await wait_for_outgoing_mail()
    (confirmation,) = [m for m in outbox() if m.to == customer.email]
    assert confirmation.subject == f"Vitrina: order #{order_id} confirmed"
    assert "2 x Teapot at $35.00 = $70.00" in confirmation.body
    assert "Order total: $70.00" in confirmation.body
