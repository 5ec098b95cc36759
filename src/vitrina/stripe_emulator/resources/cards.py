"""Stripe's documented test cards, the PaymentMethods made from them, and their card details.

Each test number behaves as Stripe documents (https://docs.stripe.com/testing): 4242 pays;
0002, 9995, 0069 and 0127 are declined with `card_declined`/`generic_decline`,
`card_declined`/`insufficient_funds`, `expired_card` and `incorrect_cvc`; 4000 0027 6000 3184
asks for 3-D Secure on every payment, and then pays or fails as the customer approves or not.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from typing import Any

from vitrina.stripe_emulator.errors import StripeError
from vitrina.stripe_emulator.ids import new_id
from vitrina.stripe_emulator.state import Ctx
from vitrina.stripe_emulator.store import StripeObject

DOC_URL = "https://stripe.com/docs/error-codes/"
DEFAULT_EXPIRY = (12, 2034)


@dataclass(frozen=True)
class Decline:
    """How the card network answers: the API error and the charge's `outcome`."""

    code: str
    decline_code: str
    message: str
    seller_message: str
    cvc_check: str = "pass"
    param: str | None = None

    def doc_url(self) -> str:
        return DOC_URL + self.code.replace("_", "-")


@dataclass(frozen=True)
class Card:
    number: str
    brand: str = "visa"
    funding: str = "credit"
    country: str = "US"
    decline: Decline | None = None
    three_d_secure: bool = False

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def fingerprint(self) -> str:
        """Stable per card number, as Stripe's is per card."""
        digest = hashlib.sha256(self.number.encode()).hexdigest()
        return digest[:16]


def _bank_said(code: str) -> str:
    return f"The bank returned the decline code `{code}`."


TEST_CARDS: dict[str, Card] = {
    card.number: card
    for card in (
        Card("4242424242424242"),
        Card("5555555555554444", brand="mastercard"),
        Card(
            "4000000000000002",
            decline=Decline(
                "card_declined",
                "generic_decline",
                "Your card was declined.",
                "The bank did not return any further details with this decline.",
            ),
        ),
        Card(
            "4000000000009995",
            decline=Decline(
                "card_declined",
                "insufficient_funds",
                "Your card has insufficient funds.",
                _bank_said("insufficient_funds"),
            ),
        ),
        Card(
            "4000000000000069",
            decline=Decline(
                "expired_card",
                "expired_card",
                "Your card has expired.",
                _bank_said("expired_card"),
                param="exp_month",
            ),
        ),
        Card(
            "4000000000000127",
            decline=Decline(
                "incorrect_cvc",
                "incorrect_cvc",
                "Your card's security code is incorrect.",
                _bank_said("incorrect_cvc"),
                cvc_check="fail",
                param="cvc",
            ),
        ),
        Card("4000002760003184", three_d_secure=True),
    )
}
PAYING_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"

AUTHENTICATION_FAILURE_CODE = "payment_intent_authentication_failure"
AUTHENTICATION_FAILURE_MESSAGE = (
    "The provided PaymentMethod has failed authentication. You can provide "
    "payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again."
)


def card_for(number: str) -> Card | None:
    return TEST_CARDS.get(re.sub(r"[\s-]", "", number or ""))


def expiry(text: str | None) -> tuple[int, int]:
    """`MM / YY` (or `MM/YYYY`) from the page; Stripe's test cards take any future date."""
    found = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", text or "")
    if not found:
        return DEFAULT_EXPIRY
    month, year = int(found.group(1)), int(found.group(2))
    if not 1 <= month <= 12:
        return DEFAULT_EXPIRY
    return month, year + 2000 if year < 100 else year


def payment_method(
    ctx: Ctx, card: Card, billing_details: StripeObject, exp: tuple[int, int]
) -> StripeObject:
    """The card PaymentMethod Checkout makes from what the customer typed (stored)."""
    method: StripeObject = {
        "id": new_id("pm"),
        "object": "payment_method",
        "allow_redisplay": "limited",
        "billing_details": billing_details,
        "card": {
            "brand": card.brand,
            "checks": _checks(card),
            "country": card.country,
            "display_brand": card.brand,
            "exp_month": exp[0],
            "exp_year": exp[1],
            "fingerprint": card.fingerprint,
            "funding": card.funding,
            "generated_from": None,
            "last4": card.last4,
            "networks": {"available": [card.brand], "preferred": None},
            "regulated_status": "unregulated",
            "three_d_secure_usage": {"supported": True},
            "wallet": None,
        },
        "created": ctx.now,
        "customer": None,
        "customer_account": None,
        "livemode": False,
        "metadata": {},
        "type": "card",
    }
    return ctx.state.payment_methods.add(method)


def _checks(card: Card) -> StripeObject:
    return {
        "address_line1_check": None,
        "address_postal_code_check": None,
        "cvc_check": card.decline.cvc_check if card.decline else "pass",
    }


def charge_card_details(
    method: StripeObject, amount: int, *, authenticated: bool = False
) -> StripeObject:
    """`charge.payment_method_details.card` with every field Stripe sends."""
    card = method["card"]
    return {
        "amount_authorized": amount,
        "authorization_code": None,
        "brand": card["brand"],
        "checks": dict(card["checks"]),
        "country": card["country"],
        "exp_month": card["exp_month"],
        "exp_year": card["exp_year"],
        "extended_authorization": {"status": "disabled"},
        "fingerprint": card["fingerprint"],
        "funding": card["funding"],
        "incremental_authorization": {"status": "unavailable"},
        "installments": None,
        "last4": card["last4"],
        "mandate": None,
        "multicapture": {"status": "unavailable"},
        "network": card["brand"],
        "network_token": {"used": False},
        "network_transaction_id": str(uuid.uuid4().int)[:15],
        "overcapture": {"maximum_amount_capturable": amount, "status": "unavailable"},
        "regulated_status": card["regulated_status"],
        "three_d_secure": _three_d_secure() if authenticated else None,
        "transaction_link_id": None,
        "wallet": None,
    }


def _three_d_secure() -> StripeObject:
    return {
        "authentication_flow": "challenge",
        "electronic_commerce_indicator": "05",
        "exemption_indicator": None,
        "result": "authenticated",
        "result_reason": None,
        "transaction_id": str(uuid.uuid4()),
        "version": "2.2.0",
    }


def outcome(decline: Decline | None) -> StripeObject:
    """`charge.outcome` (Radar's `risk_level`, `risk_score` and `rule` are left out, as
    Stripe leaves them out without Radar)."""
    if decline is None:
        return {
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "approved_by_network",
            "reason": None,
            "seller_message": "Payment complete.",
            "type": "authorized",
        }
    return {
        "advice_code": "do_not_try_again" if decline.decline_code == "expired_card" else None,
        "network_advice_code": None,
        "network_decline_code": None,
        "network_status": "declined_by_network",
        "reason": decline.decline_code,
        "seller_message": decline.seller_message,
        "type": "issuer_declined",
    }


def last_payment_error(decline: Decline, charge_id: str, method: StripeObject) -> StripeObject:
    """`payment_intent.last_payment_error` after a decline."""
    error: StripeObject = {
        "charge": charge_id,
        "code": decline.code,
        "decline_code": decline.decline_code,
        "doc_url": decline.doc_url(),
        "message": decline.message,
        "payment_method": method,
        "type": "card_error",
    }
    if decline.param is not None:
        error["param"] = decline.param
    return error


def authentication_failure(method: StripeObject) -> StripeObject:
    return {
        "code": AUTHENTICATION_FAILURE_CODE,
        "doc_url": DOC_URL + AUTHENTICATION_FAILURE_CODE.replace("_", "-"),
        "message": AUTHENTICATION_FAILURE_MESSAGE,
        "payment_method": method,
        "type": "invalid_request_error",
    }


def card_error(decline: Decline, charge_id: str, intent_id: str) -> StripeError:
    """What the API answers when confirming with a declined card (402)."""
    extra: dict[str, Any] = {
        "decline_code": decline.decline_code,
        "charge": charge_id,
        "payment_intent": intent_id,
    }
    return StripeError(
        402, decline.message, type="card_error", code=decline.code, param=decline.param, extra=extra
    )
