"""Rules shared by several resources: metadata, currencies, amounts, references."""

from __future__ import annotations

import re
from typing import Any

from vitrina.stripe_emulator.errors import StripeError, invalid
from vitrina.stripe_emulator.params import UNSET

ZERO_DECIMAL = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)
THREE_DECIMAL = frozenset(["bhd", "jod", "kwd", "omr", "tnd"])
SUPPORTED_CURRENCIES = frozenset(
    [
        "usd",
        "aed",
        "afn",
        "all",
        "amd",
        "ang",
        "aoa",
        "ars",
        "aud",
        "awg",
        "azn",
        "bam",
        "bbd",
        "bdt",
        "bgn",
        "bhd",
        "bif",
        "bmd",
        "bnd",
        "bob",
        "brl",
        "bsd",
        "bwp",
        "byn",
        "bzd",
        "cad",
        "cdf",
        "chf",
        "clp",
        "cny",
        "cop",
        "crc",
        "cve",
        "czk",
        "djf",
        "dkk",
        "dop",
        "dzd",
        "egp",
        "etb",
        "eur",
        "fjd",
        "fkp",
        "gbp",
        "gel",
        "gip",
        "gmd",
        "gnf",
        "gtq",
        "gyd",
        "hkd",
        "hnl",
        "htg",
        "huf",
        "idr",
        "ils",
        "inr",
        "isk",
        "jmd",
        "jod",
        "jpy",
        "kes",
        "kgs",
        "khr",
        "kmf",
        "krw",
        "kwd",
        "kyd",
        "kzt",
        "lak",
        "lbp",
        "lkr",
        "lrd",
        "lsl",
        "mad",
        "mdl",
        "mga",
        "mkd",
        "mmk",
        "mnt",
        "mop",
        "mur",
        "mvr",
        "mwk",
        "mxn",
        "myr",
        "mzn",
        "nad",
        "ngn",
        "nio",
        "nok",
        "npr",
        "nzd",
        "omr",
        "pab",
        "pen",
        "pgk",
        "php",
        "pkr",
        "pln",
        "pyg",
        "qar",
        "ron",
        "rsd",
        "rub",
        "rwf",
        "sar",
        "sbd",
        "scr",
        "sek",
        "sgd",
        "shp",
        "sle",
        "sos",
        "srd",
        "std",
        "szl",
        "thb",
        "tjs",
        "tnd",
        "top",
        "try",
        "ttd",
        "twd",
        "tzs",
        "uah",
        "ugx",
        "uyu",
        "uzs",
        "vnd",
        "vuv",
        "wst",
        "xaf",
        "xcd",
        "xof",
        "xpf",
        "yer",
        "zar",
        "zmw",
    ]
)
_CURRENCY = re.compile(r"^[a-zA-Z]{3}$")
_METADATA_KEYS = 50
_METADATA_KEY_LENGTH = 40
_METADATA_VALUE_LENGTH = 500


def currency(value: str, param: str = "currency") -> str:
    """Stripe takes ISO codes in any case and answers in lowercase."""
    code = value.lower()
    if not _CURRENCY.match(value) or code not in SUPPORTED_CURRENCIES:
        raise invalid(
            f"Invalid currency: {value}. Stripe currently supports these currencies: "
            + ", ".join(sorted(SUPPORTED_CURRENCIES)),
            param=param,
        )
    return code


def non_negative(value: int, param: str) -> int:
    if value < 0:
        raise invalid(
            f"Invalid non-negative integer: {value}. This value must be greater than or "
            "equal to 0.",
            param=param,
            code="parameter_invalid_integer",
        )
    return value


def positive(value: int, param: str) -> int:
    if value < 1:
        raise invalid(
            f"Invalid positive integer: {value}. This value must be greater than or equal to 1.",
            param=param,
            code="parameter_invalid_integer",
        )
    return value


def merge_metadata(current: dict[str, str], update: Any, param: str = "metadata") -> dict[str, str]:
    """`metadata=""` clears all keys, `metadata[k]=""` removes one, others are set."""
    if update is None:
        return current
    if update == UNSET:
        return {}
    merged = dict(current)
    for key, value in update.items():
        if len(key) > _METADATA_KEY_LENGTH:
            raise invalid(
                f"Metadata keys can have a maximum length of {_METADATA_KEY_LENGTH} characters.",
                param=f"{param}[{key}]",
            )
        if len(value) > _METADATA_VALUE_LENGTH:
            raise invalid(
                "Metadata values can have a maximum length of "
                f"{_METADATA_VALUE_LENGTH} characters.",
                param=f"{param}[{key}]",
            )
        if value == UNSET:
            merged.pop(key, None)
        else:
            merged[key] = value
    if len(merged) > _METADATA_KEYS:
        raise invalid(f"You can specify up to {_METADATA_KEYS} metadata keys.", param=param)
    return merged


def unset_to_none(value: Any) -> Any:
    return None if value == UNSET else value


def missing_reference(kind: str, object_id: str, param: str) -> StripeError:
    """A referenced object that does not exist: 400 (not 404) with the parameter named."""
    return StripeError(400, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)


def check_custom_id(object_id: str, param: str = "id") -> str:
    if not object_id or len(object_id) > 200 or not re.fullmatch(r"[A-Za-z0-9_\-]+", object_id):
        raise invalid(
            f"Invalid id: {object_id!r}. Ids may contain letters, digits, '-' and '_'.",
            param=param,
        )
    return object_id


def exponent(code: str) -> int:
    """Digits after the decimal point in `code`'s minor unit (Stripe's list)."""
    return 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def quantum(code: str) -> int:
    """The smallest amount Stripe charges in `code`: three-decimal amounts must end in 0."""
    return 10 if code in THREE_DECIMAL else 1


def chargeable(amount: int, code: str, param: str) -> int:
    """Stripe's rule for three-decimal currencies (bhd, jod, kwd, omr, tnd): the last digit of
    an amount must be 0 (https://docs.stripe.com/currencies#three-decimal)."""
    if amount % quantum(code):
        raise invalid(
            f"Invalid amount {amount} for {code}: amounts in three-decimal currencies must be "
            "divisible by 10 (the last digit must be 0).",
            param=param,
            code="parameter_invalid_integer",
        )
    return amount


def not_modelled(name: str, param: str) -> StripeError:
    """A parameter Stripe has but the emulator does not model: refused, never ignored."""
    return invalid(f"The emulator does not support `{name}`.", param=param)
