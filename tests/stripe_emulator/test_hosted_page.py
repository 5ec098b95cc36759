"""The hosted payment page in a real Chromium (Playwright), plus its plain-HTTP behaviour."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
import stripe

from vitrina.stripe_emulator.testing import EmulatorServer

from .conftest import Receiver, make_price, wait_for

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def browser() -> AsyncIterator[Any]:
    """Playwright's async API: the sync one would clash with the suite's running loop."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Any) -> AsyncIterator[Any]:
    context = await browser.new_context()
    tab = await context.new_page()
    yield tab
    await context.close()


def _session(sc: stripe.StripeClient, receiver: Receiver, **extra: Any) -> stripe.checkout.Session:
    price = make_price(sc, 2500)
    coupon = sc.v1.coupons.create({"percent_off": 20})
    params: dict[str, Any] = {
        "mode": "payment",
        "success_url": f"{receiver.server.base_url}/success?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{receiver.server.base_url}/cancel",
        "line_items": [{"price": price.id, "quantity": 2}],
        "discounts": [{"coupon": coupon.id}],
        "customer_email": "buyer@example.com",
        **extra,
    }
    return sc.v1.checkout.sessions.create(params)


@pytest.mark.browser
async def test_pay_with_4242_lands_on_success_url(
    page: Any, sc: stripe.StripeClient, receiver: Receiver, emulator: EmulatorServer
) -> None:
    session = _session(sc, receiver)
    assert session.url is not None
    await page.goto(session.url)
    assert await page.locator("#total").inner_text() == "40.00 USD"
    assert await page.locator("#discount").inner_text() == "−10.00 USD"
    assert await page.locator("#email").input_value() == "buyer@example.com"
    await page.fill("#cardNumber", "4242 4242 4242 4242")
    await page.click("#submit")
    await page.wait_for_url(f"**/success?session_id={session.id}")
    done = sc.v1.checkout.sessions.retrieve(session.id)
    assert (done.status, done.payment_status) == ("complete", "paid")
    wait_for(lambda: receiver.of_type("checkout.session.completed"))


@pytest.mark.browser
async def test_declined_card_shows_stripes_message_and_stays_open(
    page: Any, sc: stripe.StripeClient, receiver: Receiver, emulator: EmulatorServer
) -> None:
    session = _session(sc, receiver)
    await page.goto(str(session.url))
    await page.fill("#cardNumber", "4000 0000 0000 0002")
    await page.click("#submit")
    assert await page.locator("#error").inner_text() == "Your card was declined."
    assert sc.v1.checkout.sessions.retrieve(session.id).status == "open"
    await page.fill("#cardNumber", "1234 5678 9012 3456")
    await page.click("#submit")
    assert await page.locator("#error").inner_text() == "Your card number is invalid."


@pytest.mark.browser
async def test_cancel_link_returns_to_cancel_url(
    page: Any, sc: stripe.StripeClient, receiver: Receiver, emulator: EmulatorServer
) -> None:
    session = _session(sc, receiver)
    await page.goto(str(session.url))
    await page.click("#cancel")
    await page.wait_for_url("**/cancel")
    assert sc.v1.checkout.sessions.retrieve(session.id).status == "open"


@pytest.mark.browser
async def test_shipping_address_and_delayed_payment(
    page: Any, sc: stripe.StripeClient, receiver: Receiver, emulator: EmulatorServer
) -> None:
    session = _session(
        sc,
        receiver,
        shipping_address_collection={"allowed_countries": ["FR", "DE"]},
        shipping_options=[
            {
                "shipping_rate_data": {
                    "display_name": "Post",
                    "type": "fixed_amount",
                    "fixed_amount": {"amount": 500, "currency": "usd"},
                }
            }
        ],
    )
    await page.goto(str(session.url))
    assert await page.locator("#shipping").inner_text() == "5.00 USD"
    assert await page.locator("#total").inner_text() == "45.00 USD"
    await page.fill("#shippingName", "Anna Muster")
    await page.fill("#shippingLine1", "Hauptstr. 1")
    await page.fill("#shippingCity", "Berlin")
    await page.fill("#shippingPostalCode", "10115")
    await page.select_option("#shippingCountry", "DE")
    await page.fill("#cardNumber", "4242424242424242")
    await page.check("#delayedPayment")
    await page.click("#submit")
    await page.wait_for_url("**/success?**")
    done = sc.v1.checkout.sessions.retrieve(session.id)
    assert (done.status, done.payment_status) == ("complete", "unpaid")
    assert done.collected_information is not None
    shipping = done.collected_information.shipping_details
    assert shipping is not None
    assert (shipping.name, shipping.address.country) == ("Anna Muster", "DE")
    emulator.control(
        "POST", f"checkout/sessions/{session.id}/complete", {"outcome": "async_succeeded"}
    )
    assert sc.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"


def test_page_over_plain_http(
    sc: stripe.StripeClient, receiver: Receiver, emulator: EmulatorServer
) -> None:
    session = _session(sc, receiver)
    with httpx.Client() as http:
        shown = http.get(str(session.url))
        assert shown.status_code == 200
        assert "Tea × 2" in shown.text and "<script" not in shown.text
        paid = http.post(str(session.url), data={"card_number": "4242424242424242"})
        assert paid.status_code == 303
        assert paid.headers["location"].endswith(f"/success?session_id={session.id}")
        closed = http.get(str(session.url))
        assert "This checkout session is complete" in closed.text
        assert http.get(f"{emulator.base_url}/c/pay/cs_test_nope").status_code == 404


@pytest.mark.browser
async def test_russian_shopper_declined_then_three_d_secure(
    browser: Any, sc: stripe.StripeClient, receiver: Receiver, emulator: EmulatorServer
) -> None:
    """`locale=ru`: the page, its amounts and Stripe's decline message are in Russian; then
    4000 0027 6000 3184 shows the 3-D Secure step, whose approval pays."""
    session = _session(sc, receiver, locale="ru")
    context = await browser.new_context(locale="en-US")
    page = await context.new_page()
    await page.goto(str(session.url))
    assert await page.locator("html").get_attribute("lang") == "ru"
    assert await page.locator("#summary-title").inner_text() == "Ваш заказ"
    assert await page.locator("#total").inner_text() == "40,00\xa0$"
    await page.fill("#cardNumber", "4000 0000 0000 9995")
    await page.click("#submit")
    assert await page.locator("#error").inner_text() == "На карте недостаточно средств."
    await page.fill("#cardNumber", "4000 0027 6000 3184")
    await page.click("#submit")
    assert await page.locator("#pay-title").inner_text() == "Проверка 3-D Secure"
    await page.click("#authenticate")
    await page.wait_for_url(f"**/success?session_id={session.id}")
    await context.close()
    assert sc.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"


def test_page_speaks_the_sessions_locale(
    sc: stripe.StripeClient, receiver: Receiver, emulator: EmulatorServer
) -> None:
    russian = {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}
    with httpx.Client() as http:
        for locale, headers, lang in (
            ("ru", {}, "ru"),
            ("en", russian, "en"),
            ("auto", russian, "ru"),
            (None, russian, "ru"),
            ("fr", russian, "en"),
        ):
            extra = {"locale": locale} if locale else {}
            session = _session(sc, receiver, **extra)
            shown = http.get(str(session.url), headers=headers)
            assert f'<html lang="{lang}">' in shown.text, (locale, headers)
            heading = "Ваш заказ" if lang == "ru" else "Order summary"
            assert heading in shown.text
        in_russian = _session(sc, receiver, locale="ru")
        declined = http.post(str(in_russian.url), data={"card_number": "4000000000000002"})
        assert declined.status_code == 402 and "Ваша карта отклонена." in declined.text
