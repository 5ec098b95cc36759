"""In Chromium: shipping to a chosen country with manual VAT, the shopper picking the
courier on Stripe's page; the order keeps both as Stripe charged them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fixtures.accounts import MakeUser
from storefront.browser_fixtures import shot
from vitrina.orders.models import Order
from vitrina.shipping.models import MethodKind, ShippingMethod, ShippingZone
from vitrina.taxes.models import TaxRate

pytestmark = [pytest.mark.browser, pytest.mark.postgres_only]


async def test_a_purchase_with_shipping_choice_and_vat(
    page: Any,
    session: AsyncSession,
    make_product,
    make_user: MakeUser,
    settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(settings, "tax_mode", "manual")
    pickup = ShippingMethod(name="Pickup", kind=MethodKind.PICKUP, amount=200)
    courier = ShippingMethod(
        name="Courier", kind=MethodKind.FLAT, amount=1500, min_days=1, max_days=2, position=1
    )
    session.add(ShippingZone(name="Europe", countries=["DE", "FR"], methods=[pickup, courier]))
    session.add(TaxRate(country="DE", percentage=Decimal(19), display_name="VAT"))
    await session.commit()
    lamp = await make_product(name="Lamp", price=10000, stock=3)
    buyer = await make_user(email="greta@example.com")

    await page.goto(f"/login?next=/product/{lamp.slug}")
    await page.fill("#email", buyer.email)
    await page.fill("#password", "Passw0rd!x")
    await page.click("form[action='/login'] button[type=submit]")
    await page.wait_for_url(f"**/product/{lamp.slug}")
    await page.click("text=Add to basket")
    await page.get_by_text("Added to your basket.").wait_for()
    await page.goto("/basket")
    await page.select_option("#country", "DE")
    await page.click("text=Show shipping")
    await page.wait_for_url("**/basket?country=DE")
    options = await page.locator("#shipping-options li").all_inner_texts()
    assert options == ["Pickup: $2.00", "Courier: $15.00, 1–2 business days"]
    assert await page.locator("#basket-tax").inner_text() == "Tax\t$19.00"
    assert await page.locator("#basket-total").inner_text() == "$121.00"
    await shot(page, "tax-01-basket")

    await page.click("text=Checkout")
    await page.wait_for_selector("#cardNumber")
    assert await page.locator("#total").inner_text() == "121.00 USD"
    await page.check("#shippingOption1")
    await page.click("#updateTotals")
    await page.wait_for_selector("#cardNumber")
    assert await page.locator("#total").inner_text() == "134.00 USD"
    await shot(page, "tax-02-stripe-courier")
    await page.fill("#shippingName", "Greta Weber")
    await page.fill("#shippingLine1", "Unter den Linden 1")
    await page.fill("#shippingCity", "Berlin")
    await page.fill("#shippingPostalCode", "10117")
    await page.select_option("#shippingCountry", "DE")
    await page.fill("#cardNumber", "4242 4242 4242 4242")
    await page.click("#submit")
    await page.wait_for_url("**/checkout/success?**")

    order = await session.scalar(select(Order).execution_options(populate_existing=True))
    assert order is not None
    assert (order.shipping_name, order.shipping, order.tax, order.total) == (
        "Courier",
        1500,
        1900,
        13400,
    )
    assert order.amount_charged == 13400 and not order.needs_review
