"""One spelling per email address, and one account per look of an address.

`normalize_email` is the stored form: Unicode NFKC (full-width and other compatibility forms
become their plain letters), surrounding spaces removed, lower case. For ASCII addresses this
is the lower-cased address the store always kept, so existing rows stay as they are.

`skeleton` is what the address looks like: every character that Unicode's confusables data
(the `confusable_homoglyphs` package) lists as a look-alike of an ASCII character becomes that
character, and invisible format characters are dropped. `раураl@example.com` with Cyrillic
"р", "а" and "у" has the skeleton of `paypal@example.com`; the unique index on
`users.email_skeleton` refuses the second account. ASCII characters are kept as they are
("1" and "l" stay different), because people type those deliberately.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from confusable_homoglyphs import confusables


def normalize_email(email: str) -> str:
    return unicodedata.normalize("NFKC", email).strip().lower()


@cache
def _ascii_look_alike(char: str) -> str:
    """The ASCII character(s) `char` is confusable with, or `char` itself."""
    for glyph in confusables.confusables_data.get(char) or ():
        candidate = str(glyph["c"])
        if candidate.isascii() and candidate.strip():
            return candidate.lower()
    return char


def skeleton(email: str) -> str:
    """The look of a (normalized) address: equal skeletons mean confusable addresses."""
    shown = []
    for char in normalize_email(email):
        if char.isascii():
            shown.append(char)
        elif unicodedata.category(char) != "Cf":
            shown.append(_ascii_look_alike(char))
    return "".join(shown)
