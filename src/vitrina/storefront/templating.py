"""Rendering pages: one Jinja2 environment per language, with money and date filters."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from vitrina.config import get_settings
from vitrina.kit.money import to_decimal
from vitrina.storefront import i18n
from vitrina.storefront.listing import highlight
from vitrina.storefront.web import CSRF_FIELD, csrf_token

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
    env.filters["number"] = lambda value: format_decimal(value, locale=language)
    env.filters["major"] = lambda amount: str(to_decimal(amount, settings.store_currency))
    env.globals["store_name"] = settings.store_name
    env.globals["languages"] = i18n.LANGUAGES
    env.globals["csrf_field_name"] = CSRF_FIELD
    return env


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
) -> HTMLResponse:
    language = language_of(request)
    page = environment(language).get_template(template)
    full_context = {
        "request": request,
        "lang": language,
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request),
        "notice": request.session.pop("notice", None),
        "demo_mode": get_settings().demo,
        "path": request.url.path,
        "full_path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        **(context or {}),
    }
    html = page.render(full_context)
    headers = {"Content-Language": language, "Vary": "Accept-Language, Cookie"}
    return HTMLResponse(html, status_code=status_code, headers=headers)


def flash(request: Request, message: str) -> None:
    """A one-time notice shown on the next page (already translated)."""
    request.session["notice"] = message
