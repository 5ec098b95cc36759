from orders.conftest import arrange_checkout, emulator, listen, make_coupon, make_paid_order
from storefront.browser_fixtures import base_url, browser, page

__all__ = [
    "arrange_checkout",
    "base_url",
    "browser",
    "emulator",
    "listen",
    "make_coupon",
    "make_paid_order",
    "page",
]
