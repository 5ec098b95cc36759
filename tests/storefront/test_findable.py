"""Fast and findable: compression, long-lived fingerprinted static files, ETags on pages,
robots.txt and a paged sitemap, canonical and alternate-language links, link previews and
schema.org Product data."""

from __future__ import annotations

import gzip
import json
import re
from urllib.parse import quote
from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from fixtures.catalog import MakeProduct
from storefront.shop_data import stock_the_shop
from vitrina.reads import recorded_statements
from vitrina.storefront import pages_seo
from vitrina.storefront.static_files import fingerprints, static_url

GZIP = {"Accept-Encoding": "gzip"}
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


async def test_pages_css_and_lists_are_compressed_small_bodies_are_not(
    client: httpx.AsyncClient, session: AsyncSession, make_category, make_product
) -> None:
    await stock_the_shop(session, make_category, make_product)
    for path in ("/", static_url("vitrina.css"), "/api/v1/products"):
        raw = await client.get(path)
        squeezed = await client.get(path, headers=GZIP)
        assert squeezed.headers["content-encoding"] == "gzip", path
        assert "Accept-Encoding" in squeezed.headers["vary"], path
        assert squeezed.content == raw.content  # httpx decodes: the same document
        wire = len(gzip.compress(raw.content, 6))
        assert int(squeezed.headers["content-length"]) <= wire + 64, path
        assert int(squeezed.headers["content-length"]) < len(raw.content) / 2, path
    tiny = await client.get("/api/v1/basket", headers=GZIP)
    assert len(tiny.content) < 1024 and "content-encoding" not in tiny.headers
    health = await client.get("/healthz", headers=GZIP)
    assert "content-encoding" not in health.headers


async def test_fingerprinted_static_files_are_kept_for_a_year(client: httpx.AsyncClient) -> None:
    url = static_url("vitrina.css")
    digest = fingerprints().hashes["vitrina.css"]
    assert re.fullmatch(rf"/static/vitrina\.{digest}\.css", url)
    home = await client.get("/")
    assert f'href="{url}"' in home.text and static_url("vendor/htmx-2.0.11.min.js") in home.text
    current = await client.get(url)
    assert current.status_code == 200 and "text/css" in current.headers["content-type"]
    assert current.headers["cache-control"] == "public, max-age=31536000, immutable"
    plain = await client.get("/static/vitrina.css")
    assert plain.content == current.content and plain.headers["cache-control"] == "no-cache"
    stale = await client.get("/static/vitrina.0123456789ab.css")  # an older deploy's page
    assert stale.content == current.content and stale.headers["cache-control"] == "no-cache"
    again = await client.get(url, headers={"If-None-Match": current.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert (await client.get("/static/nothing.0123456789ab.css")).status_code == 404


async def test_pages_answer_304_while_unchanged(
    client: httpx.AsyncClient, make_product: MakeProduct
) -> None:
    mug = await make_product(name="Mug", stock=3)
    first = await client.get(f"/product/{mug.slug}")
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and first.headers["cache-control"] == "private, no-cache"
    again = await client.get(f"/product/{mug.slug}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    mug.stock = 0
    await make_product(name="Other")  # commits the session, and the change above
    changed = await client.get(f"/product/{mug.slug}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Out of stock" in changed.text


async def test_robots_txt_keeps_crawlers_to_the_catalogue(client: httpx.AsyncClient) -> None:
    robots = await client.get("/robots.txt")
    assert robots.status_code == 200 and robots.headers["content-type"].startswith("text/plain")
    lines = robots.text.splitlines()
    assert lines[0] == "User-agent: *"
    for private in ("/admin", "/api/", "/basket", "/checkout", "/account", "/search"):
        assert f"Disallow: {private}" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


async def test_the_sitemap_is_an_index_of_product_id_ranges(
    client: httpx.AsyncClient,
    make_product: MakeProduct,
    make_category,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pages_seo, "SITEMAP_PRODUCTS", 2)
    lamps = await make_category(name="Lamps")
    made = [await make_product(name=f"Lamp {n}", category=lamps) for n in range(5)]
    await make_product(name="Retired lamp", category=lamps, is_active=False)

    index = ElementTree.fromstring((await client.get("/sitemap.xml")).content)
    files = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert files == [
        "http://testserver/sitemaps/pages.xml",
        "http://testserver/sitemaps/products-1.xml",
        "http://testserver/sitemaps/products-2.xml",
        "http://testserver/sitemaps/products-3.xml",
    ]
    listed: list[str] = []
    for url in files[1:]:
        answer = await client.get(url.removeprefix("http://testserver"))
        assert answer.headers["content-type"].startswith("application/xml")
        listed += [
            loc.text or "" for loc in ElementTree.fromstring(answer.content).iter(f"{SITEMAP}loc")
        ]
    expected = [
        f"http://testserver/product/{product.slug}?lang={language}"
        for product in made
        for language in ("en", "ru")
    ]
    assert listed == expected  # every product for sale once per language, the retired one not
    pages = ElementTree.fromstring((await client.get("/sitemaps/pages.xml")).content)
    assert "http://testserver/category/lamps?lang=ru" in [
        loc.text for loc in pages.iter(f"{SITEMAP}loc")
    ]
    assert (await client.get("/sitemaps/products-9.xml")).status_code == 404
    assert (await client.get("/sitemaps/products-0.xml")).status_code == 404


async def test_the_sitemap_names_each_language_by_its_own_slug(
    client: httpx.AsyncClient, make_product: MakeProduct
) -> None:
    """A crawler reading the sitemap gets each product at the address its page calls
    canonical in that language: the Russian slug for Russian, the main one for English."""
    lamp = await make_product(name="Desk lamp", name_ru="Настольная лампа")
    plain = await make_product(name="Plain lamp")  # no Russian text: the main slug for both
    assert lamp.slug_ru == "настольная-лампа"
    sitemap = ElementTree.fromstring((await client.get("/sitemaps/products-1.xml")).content)
    listed = [loc.text or "" for loc in sitemap.iter(f"{SITEMAP}loc")]
    russian = f"http://testserver/product/{quote('настольная-лампа')}?lang=ru"
    assert listed == [
        "http://testserver/product/desk-lamp?lang=en",
        russian,
        "http://testserver/product/plain-lamp?lang=en",
        "http://testserver/product/plain-lamp?lang=ru",
    ]
    assert plain.slug == "plain-lamp"
    for url in listed:  # the sitemap percent-encodes what the page's link writes as is
        page = await client.get(url.removeprefix("http://testserver"))
        assert page.status_code == 200, url
        canonical = re.search(r'<link rel="canonical" href="([^"]+)">', page.text)
        assert canonical is not None and quote(canonical.group(1), safe=":/?=") == url


async def test_a_sitemap_file_is_one_primary_key_range_read(
    client: httpx.AsyncClient, make_product: MakeProduct
) -> None:
    await make_product(name="Lamp")
    with recorded_statements() as recorded:
        assert (await client.get("/sitemaps/products-1.xml")).status_code == 200
    reads = [sql for sql, _ in recorded if "FROM products" in sql]
    assert len(reads) == 1
    assert "products.id >" in reads[0] and "products.id <=" in reads[0]
    assert "OFFSET" not in reads[0].upper() and "count(" not in reads[0].lower()


async def test_product_page_has_canonical_alternates_preview_and_product_data(
    client: httpx.AsyncClient, session: AsyncSession, make_category, make_product
) -> None:
    shop = await stock_the_shop(session, make_category, make_product)
    page = await client.get(f"/product/{shop.mug.slug}")
    html = page.text
    own = f"http://testserver/product/{shop.mug.slug}"
    assert f'<link rel="canonical" href="{own}?lang=en">' in html
    assert f'<link rel="alternate" hreflang="ru" href="{own}?lang=ru">' in html
    assert f'<link rel="alternate" hreflang="en" href="{own}?lang=en">' in html
    assert f'<link rel="alternate" hreflang="x-default" href="{own}">' in html
    assert '<meta property="og:type" content="product">' in html
    assert '<meta property="og:title" content="Stoneware mug">' in html
    assert '<meta property="og:image" content="http://testserver/media/' in html
    assert '<meta property="og:locale" content="en_US">' in html
    assert "noindex" not in html
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1]
    )
    assert data["@type"] == "Product" and data["name"] == "Stoneware mug"
    assert data["offers"] == {
        "@type": "Offer",
        "url": f"{own}?lang=en",
        "price": "18.00",
        "priceCurrency": "USD",
        "availability": "https://schema.org/InStock",
        "itemCondition": "https://schema.org/NewCondition",
    }
    assert data["image"][0].startswith("http://testserver/media/")

    russian = await client.get(f"/product/{shop.mug.slug}?lang=ru")
    assert '<html lang="ru">' in russian.text
    assert f'<link rel="canonical" href="{own}?lang=ru">' in russian.text
    assert '<meta property="og:locale" content="ru_RU">' in russian.text
    pendant = await client.get("/product/paper-pendant")
    sold_out = re.search(r'<script type="application/ld\+json">(.*?)</script>', pendant.text, re.S)
    assert json.loads(sold_out[1])["offers"]["availability"] == "https://schema.org/OutOfStock"


async def test_product_data_cannot_break_out_of_its_script(
    client: httpx.AsyncClient, make_product: MakeProduct
) -> None:
    tricky = await make_product(name="</script><script>alert(1)</script>", description="a & b")
    html = (await client.get(f"/product/{tricky.slug}")).text
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert script is not None and json.loads(script[1])["name"].startswith("</script>")
    assert "<script>alert(1)" not in html


async def test_sorted_or_filtered_listings_ask_not_to_be_indexed(
    client: httpx.AsyncClient, make_category
) -> None:
    await make_category(name="Lamps")
    plain = await client.get("/category/lamps")
    assert "noindex" not in plain.text
    assert '<link rel="canonical" href="http://testserver/category/lamps?lang=en">' in plain.text
    sorted_page = await client.get("/category/lamps?sort=price_asc")
    assert '<meta name="robots" content="noindex, follow">' in sorted_page.text
    assert '<link rel="canonical" href="http://testserver/category/lamps?lang=en">' in (
        sorted_page.text
    )
    assert '<meta name="robots" content="noindex">' in (await client.get("/basket")).text


async def test_the_language_switcher_leaves_a_pinned_language_behind(
    client: httpx.AsyncClient, make_product: MakeProduct
) -> None:
    mug = await make_product(name="Mug")
    russian = await client.get(f"/product/{mug.slug}?lang=ru&x=1")
    assert f'href="/lang/en?next=/product/{mug.slug}%3Fx%3D1"' in russian.text
    switched = await client.get(f"/lang/en?next=/product/{mug.slug}", follow_redirects=True)
    assert '<html lang="en">' in switched.text
