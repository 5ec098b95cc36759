"""robots.txt and the sitemap: a sitemap index naming one file for the pages and categories
and one per range of SITEMAP_PRODUCTS product ids (so a million products make 100 files of
at most 20,000 URLs, each one primary-key range read; `catalog/sitemap_reads.py`).

These answer crawlers, not shoppers: no session, no page dependencies.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from urllib.parse import quote
from xml.sax.saxutils import escape

from fastapi import APIRouter
from starlette.responses import PlainTextResponse, Response

from vitrina.catalog import sitemap_reads
from vitrina.config import SettingsDep
from vitrina.db import PublicReaderDep
from vitrina.errors import NotFound
from vitrina.storefront import i18n
from vitrina.storefront.seo import LANGUAGE_PARAM

router = APIRouter(include_in_schema=False)

SITEMAP_PRODUCTS = 10_000
"""Products per sitemap file: each is listed once per language, within the 50,000 URLs a
sitemap may hold."""
XML = "application/xml"
CACHE = {"Cache-Control": "public, max-age=3600"}
PRIVATE_PATHS = (
    "/admin",
    "/api/",
    "/account",
    "/basket",
    "/checkout",
    "/login",
    "/register",
    "/lang/",
    "/search",
    "/stripe-emulator",
    "/*cursor=",
)


@router.get("/robots.txt")
async def robots(settings: SettingsDep) -> Response:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in PRIVATE_PATHS)]
    lines.append(f"Sitemap: {settings.public_base_url.rstrip('/')}/sitemap.xml")
    return PlainTextResponse("\n".join(lines) + "\n", headers=CACHE)


@router.get("/sitemap.xml")
async def sitemap_index(reader: PublicReaderDep, settings: SettingsDep) -> Response:
    base = settings.public_base_url.rstrip("/")
    files = ["pages"]
    highest = await sitemap_reads.highest_product_id(reader)
    files += [f"products-{n}" for n in range(1, -(-highest // SITEMAP_PRODUCTS) + 1)]
    entries = "".join(
        f"<sitemap><loc>{escape(f'{base}/sitemaps/{name}.xml')}</loc></sitemap>" for name in files
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{entries}</sitemapindex>\n"
    )
    return Response(body, media_type=XML, headers=CACHE)


@router.get("/sitemaps/pages.xml")
async def pages_sitemap(reader: PublicReaderDep, settings: SettingsDep) -> Response:
    pages: list[tuple[str, datetime | None]] = [("/", None), ("/products", None)]
    pages += [
        (f"/category/{c.slug}", c.updated_at) for c in await sitemap_reads.all_categories(reader)
    ]
    return _urlset(settings.public_base_url, ((_everywhere(path), at) for path, at in pages))


@router.get("/sitemaps/products-{number}.xml")
async def products_sitemap(number: int, reader: PublicReaderDep, settings: SettingsDep) -> Response:
    if number < 1:
        raise NotFound()
    highest = number * SITEMAP_PRODUCTS
    products = await sitemap_reads.products_in_id_range(reader, highest - SITEMAP_PRODUCTS, highest)
    if not products and highest - SITEMAP_PRODUCTS >= await sitemap_reads.highest_product_id(
        reader
    ):
        raise NotFound()
    return _urlset(
        settings.public_base_url,
        (
            ({language: f"/product/{slug}" for language, slug in p.slugs.items()}, p.updated_at)
            for p in products
        ),
    )


def _everywhere(path: str) -> dict[str, str]:
    return dict.fromkeys(i18n.LANGUAGES, path)


def _urlset(base_url: str, pages: Iterable[tuple[dict[str, str], datetime | None]]) -> Response:
    """Each page once per language, at its address in that language (a product's slug in
    the language, as its page's hreflang links name it) pinned to the language."""
    base = base_url.rstrip("/")
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    ]
    for paths, changed in pages:
        lastmod = f"<lastmod>{changed.date().isoformat()}</lastmod>" if changed else ""
        for language, path in paths.items():
            url = escape(f"{base}{quote(path)}?{LANGUAGE_PARAM}={language}")
            parts.append(f"<url><loc>{url}</loc>{lastmod}</url>")
    parts.append("</urlset>\n")
    return Response("".join(parts), media_type=XML, headers=CACHE)
