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
    (r"“(?P<name>.+)” is out of stock\.", N_("“%(name)s” is out of stock.")),
    (
        r"Only (?P<count>\d+) of “(?P<name>.+)” left in stock; you have (?P<wanted>\d+)\.",
        N_("Only %(count)s of “%(name)s” left in stock; you have %(wanted)s."),
    ),
    (
        r"Only (?P<count>\d+) of “(?P<name>.+)” left in stock\.",
        N_("Only %(count)s of “%(name)s” left in stock."),
    ),
)
COMPILED = tuple((re.compile(pattern), message) for pattern, message in PATTERNS)
SENTENCE = re.compile(r"(?<=\.)\s+(?=(?:“|Only |Promo |You |This |Your |The ))")


def _one(request: Request, sentence: str) -> str:
    if sentence in FIXED:
        return translate(request, sentence)
    for pattern, message in COMPILED:
        found = pattern.fullmatch(sentence)
        if found:
            return translate(request, message) % found.groupdict()
    return sentence


def shown(request: Request, detail: object) -> str:
    """A service error's detail as the shopper should read it (sentence by sentence)."""
    text = str(detail)
    if text in FIXED:
        return translate(request, text)
    return " ".join(_one(request, sentence) for sentence in SENTENCE.split(text))
