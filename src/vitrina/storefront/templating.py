"""Rendering pages: one Jinja2 environment per language, with money and date filters."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from vitrina.config import get_settings
from vitrina.currencies.pricing import Pricing, in_default
from vitrina.kit.money import charge_step, to_decimal
from vitrina.storefront import i18n
from vitrina.storefront.currency import page_pricing
from vitrina.storefront.listing import highlight
from vitrina.storefront.seo import page_links
from vitrina.storefront.static_files import static_url
from vitrina.storefront.web import CSRF_FIELD, csrf_token
from vitrina.taxes.display import price_note

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


@cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(language), newstyle=True)  # type: ignore[attr-defined]
    settings = get_settings()

    def money(amount: int, currency: str | None = None) -> str:
        return i18n.money(amount, currency or settings.store_currency, language)

    def moment(value: datetime) -> str:
        return i18n.moment(value, language, settings.store_timezone)

    env.filters["money"] = money
    env.filters["moment"] = moment
    env.filters["country"] = lambda code: i18n.country(code, language)
    env.filters["highlight"] = highlight
    env.filters["number"] = lambda value: i18n.number(value, language)
    env.filters["amount"] = lambda minor: str(to_decimal(minor, settings.store_currency))
    env.globals["static"] = static_url
    env.globals["price"] = _price(language)
    env.globals["bound"], env.globals["bound_typed"] = _bounds(language)
    env.globals["store_name"] = settings.store_name
    env.globals["languages"] = i18n.LANGUAGES
    env.globals["csrf_field_name"] = CSRF_FIELD
    env.globals["price_note"] = lambda request: price_note(
        get_settings(), request.cookies.get(COUNTRY_COOKIE)
    )
    return env


COUNTRY_COOKIE = "vitrina_country"
"""The country the shopper chose to ship to (set by the basket page)."""


def language_of(request: Request) -> str:
    language = getattr(request.state, "language", None)
    if language is None:
        language = i18n.choose_language(request)
        request.state.language = language
    return str(language)


def N_(message: str) -> str:  # noqa: N802 - the customary name of gettext's marker
    """Mark a message for extraction; `translate` translates it when used."""
    return message


def translate(request: Request, message: str) -> str:
    """Translate a message outside a template (flash notices, form errors)."""
    return i18n.translations(language_of(request)).gettext(message)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    language = language_of(request)
    page = environment(language).get_template(template)
    context = context or {}
    base_url = get_settings().public_base_url.rstrip("/")
    links = page_links(request, base_url, language) if status_code < 400 else None
    full_context = {
        "request": request,
        "lang": language,
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request),
        "basket_count": getattr(request.state, "basket_count", 0),
        "notices": _notices(request),
        "demo_mode": get_settings().demo,
        "path": request.url.path,
        "full_path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "unpinned_path": _unpinned_path(request),
        "links": links,
        "base_url": base_url,
        **context,
    }
    full_context.update(_currency_context(request))
    token = _page_pricing.set(page_pricing(request, get_settings().store_currency))
    try:
        body = page.render(full_context).encode()
    finally:
        _page_pricing.reset(token)
    headers = {
        "Content-Language": language,
        "Vary": "Accept-Language, Cookie",
        # Pages hold the visitor's own form tokens and basket: browsers only, and they ask
        # each time, getting 304 Not Modified while the page is unchanged (weak ETag: the
        # same for the gzip and plain bodies).
        "Cache-Control": "private, no-cache",
        "ETag": 'W/"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"',
    }
    if status_code == 200 and headers["ETag"] in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return HTMLResponse(body, status_code=status_code, headers=headers)


def _currency_context(request: Request) -> dict[str, Any]:
    """The switcher's codes and the shopper's currency."""
    pricing = page_pricing(request, get_settings().store_currency)
    offered = getattr(request.state, "currencies", None) or [pricing.currency]
    return {"currencies": offered, "currency": pricing.currency}


_page_pricing: ContextVar[Pricing | None] = ContextVar("page_pricing", default=None)
"""The pricing of the page being rendered (macros imported without context see it too)."""


def _pricing() -> Pricing:
    return _page_pricing.get() or in_default(get_settings().store_currency)


def _price(language: str) -> Callable[..., str]:
    def price(amount: int, variant_id: int | None = None) -> str:
        """A price of the store's default currency as shown in the shopper's."""
        pricing = _pricing()
        return i18n.money(pricing.price(amount, variant_id), pricing.currency, language)

    return price


def _bounds(language: str) -> tuple[Callable[[int], str], Callable[..., str]]:
    """A price range's bound (a listing's price facet) in the shopper's currency, converted as
    its prices are: shown as money, and as the filter form's text (which
    `listing.build_query` turns back into the default prices shown inside it)."""

    def bound(amount: int) -> str:
        pricing = _pricing()
        return i18n.money(pricing.price(amount), pricing.currency, language)

    def bound_typed(amount: int, *, upper: bool = False) -> str:
        """The form's text ("12.50"); an exclusive upper bound as the last amount below it."""
        pricing = _pricing()
        shown = pricing.price(amount) - (charge_step(pricing.currency) if upper else 0)
        return str(to_decimal(shown, pricing.currency))

    return bound, bound_typed


def _unpinned_path(request: Request) -> str:
    """This page's path and query without `?lang=`: where the language switcher returns."""
    url = request.url.remove_query_params("lang")
    return url.path + (f"?{url.query}" if url.query else "")


NoticeKind = Literal["success", "info", "warning", "error"]


def flash(request: Request, message: str, kind: NoticeKind = "info") -> None:
    """A one-time notice shown on the next page (already translated), styled by its kind:
    "success" (done as asked), "info", "warning" (done, but not all of it), "error" (not done)."""
    pending = request.session.get("notices")
    notices = pending if isinstance(pending, list) else []
    request.session["notices"] = [*notices, {"kind": kind, "text": message}][-5:]


def _notices(request: Request) -> list[dict[str, str]]:
    pending = request.session.pop("notices", None)
    if not isinstance(pending, list):
        return []
    return [n for n in pending if isinstance(n, dict) and {"kind", "text"} <= n.keys()]
