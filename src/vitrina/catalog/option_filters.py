"""`?size=M&colour=red` on the product list: which query parameters are option filters.

Any parameter that is not one of the list's own (`ProductQuery`) and is named like an
option's slug (lower-case letters and digits joined by hyphens: `utm_source`, with its
underscore, is not) filters by that option's value, compared as slugs (`M` -> `m`,
`Dark blue` -> `dark-blue`). At most `MAX_FILTERS` count; the rest are ignored, as are
well-known tracking parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from vitrina.catalog.schemas import ProductQuery
from vitrina.catalog.slugs import slugify

MAX_FILTERS = 5
IGNORED = frozenset({"fbclid", "gclid", "yclid", "msclkid", "ref", "page"})
_NAME = re.compile(r"^[^\W_]+(?:-[^\W_]+)*$")
_OWN = frozenset(ProductQuery.model_fields)


def option_filters(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Option slug -> value slug, from a query string's (name, value) pairs."""
    found: dict[str, str] = {}
    for name, value in pairs:
        key = name.strip().lower()
        if key in _OWN or key in IGNORED or len(key) > 100 or not _NAME.match(key):
            continue
        wanted = slugify(value, fallback="")[:100]
        if wanted and (key in found or len(found) < MAX_FILTERS):
            found[key] = wanted
    return found
