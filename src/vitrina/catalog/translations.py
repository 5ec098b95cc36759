"""Catalogue text per language: which column holds what, and what a shopper is shown.

`name`, `description` and `slug` hold the text in the store's language (STORE_LANGUAGE);
`name_ru`, `name_en`, ... the text in that language, NULL where there is none. A shopper
sees their language's text, else the main text (`coalesce(name_ru, name)`). Writes take the
flat `<field>_<lang>` names (API, admin, CSV alike) and keep the store language's own
columns NULL, so the main field is that language's one place.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, FromClause, func

from vitrina.config import get_settings
from vitrina.errors import VitrinaError
from vitrina.kit.languages import LANGUAGES, Language, negotiate
from vitrina.reads import Row

TRANSLATED = ("name", "description", "slug")
TRANSLATION_FIELDS = tuple(f"{field}_{language}" for field in TRANSLATED for language in LANGUAGES)
"""name_en, name_ru, description_en, ...: the columns (and API/CSV fields) of the languages."""


def asked_language(lang: Language | None, accept_language: str | None) -> Language:
    """The language a request asked for: `?lang=`, else `Accept-Language`, else the store's."""
    if lang is not None:
        return lang
    store = get_settings().store_language
    return negotiate(accept_language, store) if accept_language else store


def slugs_of(texts: Row, main_slug: str) -> dict[Language, str]:
    """The slug in each language (the main one where a language has none), from
    `stored_texts` or a row with the `slug_<lang>` columns."""
    return {language: texts[f"slug_{language}"] or main_slug for language in LANGUAGES}


def shown(table: FromClause, field: str, language: Language) -> ColumnElement[Any]:
    """The column expression a shopper in `language` sees for `field`, labelled `field`."""
    return func.coalesce(table.c[f"{field}_{language}"], table.c[field]).label(field)


def slug_columns(table: FromClause) -> tuple[ColumnElement[Any], ...]:
    """Every column a URL's slug may be found in, the main one first."""
    return (table.c.slug, *(table.c[f"slug_{language}"] for language in LANGUAGES))


def normalised(changes: Mapping[str, Any], store_language: Language) -> dict[str, Any]:
    """Write values with the store language's own text moved to the main field and empty
    translations as NULL (fields not sent stay not sent)."""
    result = dict(changes)
    for field in TRANSLATED:
        own = f"{field}_{store_language}"
        if own in result:
            value = result.pop(own)
            if value not in (None, "") and field not in result:
                result[field] = value
            result[own] = None
    for key in TRANSLATION_FIELDS:
        if key in result and isinstance(result[key], str):
            result[key] = result[key].strip() or None
    return result


def stored_texts(source: Any, store_language: Language) -> dict[str, str | None]:
    """`name_en`, `name_ru`, ... as an editor sees them: the store's language from the main
    fields, the others from their columns (None: not translated). `source` is an entity or
    a row read by attribute."""
    texts: dict[str, str | None] = {}
    for field in TRANSLATED:
        for language in LANGUAGES:
            key = f"{field}_{language}"
            own = getattr(source, key)
            texts[key] = (
                own if own is not None or language != store_language else getattr(source, field)
            )
    return texts


SlugFor = Callable[[str, str | None, int | None], Awaitable[str]]
"""(name, wanted slug or None, own id) -> a slug unique among every language's slugs."""


async def apply_translations(entity: Any, changes: Mapping[str, Any], slug_for: SlugFor) -> None:
    """Set the `<field>_<lang>` values sent (`normalised` first) on a category or product.
    A language's name without a slug of its own gets one made from it; a slug sent is
    checked; a removed name takes its generated slug with it."""
    for language in LANGUAGES:
        for field in ("name", "description"):
            key = f"{field}_{language}"
            if key in changes:
                setattr(entity, key, changes[key])
        key, name = f"slug_{language}", getattr(entity, f"name_{language}")
        if changes.get(key) is not None:
            try:
                slug = await slug_for(name or entity.name, changes[key], entity.id)
            except VitrinaError as exc:
                exc.field = key  # the language's own slug was refused, not the main one
                raise
            setattr(entity, key, slug)
        elif key in changes or (name and getattr(entity, key) is None):
            setattr(entity, key, await slug_for(name, None, entity.id) if name else None)
        elif not name:
            setattr(entity, key, None)
