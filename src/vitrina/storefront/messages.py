"""The services' customer-facing messages, in the page's language.

Services speak English (the API's language). The messages a shopper can meet on a page are
listed here as catalog entries, the fixed ones as they are and the ones that name a product
or a code as patterns; anything unknown is shown as the service wrote it.
"""

from __future__ import annotations

import re

from starlette.requests import Request

from vitrina.storefront.templating import N_, translate

FIXED = frozenset(
    {
        N_("This coupon code does not exist."),
        N_("This coupon is not active."),
        N_("This coupon has expired."),
        N_("This coupon has been fully redeemed."),
        N_("You have already used this coupon as many times as allowed."),
        N_("Your basket is empty."),
        N_("The promo code on your basket no longer exists; remove it."),
        N_(
            "This basket has just been paid for, so it can no longer be changed. "
            "Your order is being created; refresh the page to see it."
        ),
        N_(
            "The payment provider is not answering, so we could not update your basket. "
            "Nothing was charged; please try again in a minute."
        ),
        N_(
            "The payment provider is not answering, so we could not update your basket "
            "while its payment page is open. Nothing was charged; please try again in a minute."
        ),
        N_(
            "The payment provider is not answering, so we could not open the payment page. "
            "Nothing was charged; please try again in a minute."
        ),
        N_("The payment page could not be opened. Please try again."),
        N_(
            "The payment provider computed a different total for your basket, so checkout was "
            "stopped before any payment. Please try again; we have been notified."
        ),
        N_("Incorrect email or password."),
        N_(
            "The products in your basket cannot all be shipped to the same country; "
            "order them separately."
        ),
        N_("An account with this email address already exists."),
    }
)
PATTERNS = (
    (r"Promo code “(?P<code>.+)” does not exist\.", N_("Promo code “%(code)s” does not exist.")),
    (r"Promo code (?P<code>\S+) has been used up\.", N_("Promo code %(code)s has been used up.")),
    (
        r"You have already used promo code (?P<code>\S+)\.",
        N_("You have already used promo code %(code)s."),
    ),
    (r"“(?P<name>.+)” is no longer for sale\.", N_("“%(name)s” is no longer for sale.")),
    (
        r"“(?P<name>.+)” is no longer for sale; remove it from your basket\.",
        N_("“%(name)s” is no longer for sale; remove it from your basket."),
    ),
    (
        r"Product (?P<id>\d+) is no longer for sale; remove it from your basket\.",
        N_("Product %(id)s is no longer for sale; remove it from your basket."),
    ),
    (r"Product (?P<id>\d+) does not exist\.", N_("Product %(id)s does not exist.")),
    (r"Product (?P<id>\d+) is not in your basket\.", N_("Product %(id)s is not in your basket.")),
    (
        r"“(?P<name>.+)” cannot be paid in (?P<currency>\S+)\.",
        N_("“%(name)s” cannot be paid in %(currency)s."),
    ),
    (r"“(?P<name>.+)” is out of stock\.", N_("“%(name)s” is out of stock.")),
    (r"We do not ship to (?P<country>[^.]+)\.", N_("We do not ship to %(country)s.")),
    (
        r"“(?P<name>.+)” cannot be shipped to (?P<country>\S+); remove it from your basket or "
        r"choose another country\.",
        N_(
            "“%(name)s” cannot be shipped to %(country)s; remove it from your basket or "
            "choose another country."
        ),
    ),
    (
        r"None of our shipping methods to (?P<where>.+) can take this basket "
        r"\((?P<weight>\S+) kg\); remove something from it\.",
        N_(
            "None of our shipping methods to %(where)s can take this basket (%(weight)s kg); "
            "remove something from it."
        ),
    ),
    (
        r"Only (?P<count>\d+) of “(?P<name>.+)” left in stock; you have (?P<wanted>\d+)\.",
        N_("Only %(count)s of “%(name)s” left in stock; you have %(wanted)s."),
    ),
    (
        r"Only (?P<count>\d+) of “(?P<name>.+)” left in stock; your basket now has "
        r"(?P=count)\.",
        N_("Only %(count)s of “%(name)s” left in stock; your basket now has %(count)s."),
    ),
    (
        r"Only (?P<count>\d+) of “(?P<name>.+)” left in stock\.",
        N_("Only %(count)s of “%(name)s” left in stock."),
    ),
    (
        r"The minimum order is (?P<minimum>\S+ \S+); this basket comes to (?P<total>\S+ \S+)\.",
        N_("The minimum order is %(minimum)s; this basket comes to %(total)s."),
    ),
    (
        r"An order can come to at most (?P<maximum>\S+ \S+); this basket comes to "
        r"(?P<total>\S+ \S+)\. Split it into smaller orders\.",
        N_(
            "An order can come to at most %(maximum)s; this basket comes to %(total)s. "
            "Split it into smaller orders."
        ),
    ),
    (
        r"The payment provider refused to update your basket: (?P<reason>.+)",
        N_("The payment provider refused to update your basket: %(reason)s"),
    ),
    (
        r"The payment provider refused to update your basket while its payment page is open: "
        r"(?P<reason>.+)",
        N_(
            "The payment provider refused to update your basket while its payment page is "
            "open: %(reason)s"
        ),
    ),
    (
        r"The payment provider refused to open the payment page: (?P<reason>.+)",
        N_("The payment provider refused to open the payment page: %(reason)s"),
    ),
    (
        r"Too many failed login attempts\. Try again in (?P<seconds>\d+) seconds\.",
        N_("Too many failed login attempts. Try again in %(seconds)s seconds."),
    ),
)
COMPILED = tuple((re.compile(pattern, re.S), message) for pattern, message in PATTERNS)
SENTENCE = re.compile(r"(?<=\.)\s+(?=(?:“|Only |Product |Promo |You |This |Your |The ))")


def _known(request: Request, text: str) -> str | None:
    if text in FIXED:
        return translate(request, text)
    for pattern, message in COMPILED:
        found = pattern.fullmatch(text)
        if found:
            return translate(request, message) % found.groupdict()
    return None


def shown(request: Request, detail: object) -> str:
    """A service error's detail as the shopper should read it: the whole message if it is a
    known one, else sentence by sentence (checkout joins several problems into one detail)."""
    text = str(detail)
    whole = _known(request, text)
    if whole is not None:
        return whole
    return " ".join(_known(request, sentence) or sentence for sentence in SENTENCE.split(text))
