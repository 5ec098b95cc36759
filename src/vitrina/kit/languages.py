"""The languages the store speaks (its page catalogs and its catalogue text), and choosing one
for a request from `?lang=`, a cookie or `Accept-Language`.

Adding a language takes a page catalog (`locale/<lang>`) and the catalogue's columns for it
(`name_<lang>`, ... : a migration), so the set is fixed here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal, get_args

from babel import Locale

Language = Literal["en", "ru"]
LANGUAGES: tuple[Language, ...] = get_args(Language)


def as_language(value: str | None) -> Language | None:
    """`value` if it names one of the store's languages, else None."""
    return value if value in LANGUAGES else None


@lru_cache(maxsize=256)
def negotiate(accept_language: str, default: Language) -> Language:
    """The best of the store's languages for an `Accept-Language` header (quality values
    honoured, `ru-RU` matching `ru`), else `default`. Cached: browsers send a few headers."""
    preferred: list[tuple[float, str]] = []
    for part in accept_language.split(",")[:20]:
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag.strip() and quality > 0:
            preferred.append((quality, tag.strip()))
    ordered = [tag for _quality, tag in sorted(preferred, key=lambda item: -item[0])]
    try:
        match = Locale.negotiate(ordered, list(LANGUAGES), sep="-") if ordered else None
    except ValueError:
        match = None
    return as_language(str(match.language) if match is not None else None) or default
