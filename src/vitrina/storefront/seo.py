"""What search engines and link previews read: canonical and alternate-language URLs,
OpenGraph values and schema.org Product data.

A page is served in the language the shopper chose (cookie, Accept-Language); `?lang=ru` or
`?lang=en` pins one. Each page names its pinned URL as canonical and the other languages'
as `hreflang` alternates, with the plain URL (negotiated) as `x-default`. Sorting, filters
and pages after the first are not separate documents: their canonical drops them, and they
ask not to be indexed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.requests import Request

from vitrina.catalog.schemas import ProductOut
from vitrina.config import get_settings
from vitrina.kit.money import to_decimal
from vitrina.storefront import i18n

OG_LOCALES = {"en": "en_US", "ru": "ru_RU"}
LANGUAGE_PARAM = "lang"


@dataclass(frozen=True)
class PageLinks:
    canonical: str
    alternates: dict[str, str]
    """hreflang -> URL, `x-default` included."""
    indexable: bool
    og_locale: str
    og_locale_alternates: list[str]


def _pinned(base: str, path: str, language: str) -> str:
    return f"{base}{path}?{urlencode({LANGUAGE_PARAM: language})}"


def page_links(
    request: Request,
    base_url: str,
    language: str,
    paths: dict[str, str] | None = None,
) -> PageLinks:
    """The page's canonical URL and its other languages. `paths` gives each language's path
    when it differs (a product's slug per language); otherwise the request's path serves all."""
    base = base_url.rstrip("/")
    own = request.url.path
    paths = paths or {}
    alternates = {code: _pinned(base, paths.get(code, own), code) for code in i18n.LANGUAGES}
    alternates["x-default"] = base + paths.get(get_settings().store_language, own)
    extra = [key for key in request.query_params if key != LANGUAGE_PARAM]
    return PageLinks(
        canonical=alternates[language],
        alternates=alternates,
        indexable=not extra,
        og_locale=OG_LOCALES.get(language, language),
        og_locale_alternates=[
            OG_LOCALES.get(code, code) for code in i18n.LANGUAGES if code != language
        ],
    )


def json_ld(data: dict[str, Any]) -> Markup:
    """JSON for a `<script type="application/ld+json">`: nothing in it can close the tag."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return Markup(text)  # noqa: S704 - the characters HTML could read are escaped above


def product_json_ld(product: ProductOut, url: str, base_url: str) -> Markup:
    """schema.org Product with its Offer: price in major units, availability from stock."""
    base = base_url.rstrip("/")
    offer: dict[str, Any] = {
        "@type": "Offer",
        "url": url,
        "price": str(to_decimal(product.price, product.currency)),
        "priceCurrency": product.currency.upper(),
        "availability": "https://schema.org/" + ("InStock" if product.stock > 0 else "OutOfStock"),
        "itemCondition": "https://schema.org/NewCondition",
    }
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "url": url,
        "offers": offer,
    }
    if product.description:
        data["description"] = product.description
    if product.sku:
        data["sku"] = product.sku
    if product.images:
        data["image"] = [base + image.url for image in product.images]
    return json_ld(data)
