"""No link a crawler can find from home leads to a server error (same origin, bounded)."""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx

from fixtures.accounts import MakeUser
from storefront.helpers import web_login
from storefront.shop_data import stock_the_shop
from vitrina.storefront.static_files import static_url

MAX_PAGES = 250


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("a", "link") and values.get("href"):
            self.found.append(str(values["href"]))
        elif tag in ("img", "script") and values.get("src"):
            self.found.append(str(values["src"]))
        elif tag == "form" and (values.get("method") or "get").lower() == "get":
            self.found.append(str(values.get("action") or ""))


async def crawl(client: httpx.AsyncClient) -> dict[str, int]:
    seen: dict[str, int] = {}
    queue: deque[str] = deque(["/"])
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        response = await client.get(path)
        seen[path] = response.status_code
        if response.status_code in (301, 302, 303, 307, 308):
            queue.append(response.headers["location"])
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        parser = Links()
        parser.feed(response.text)
        for href in parser.found:
            url = urldefrag(urljoin(f"http://testserver{path}", href)).url
            parts = urlsplit(url)
            if parts.netloc != "testserver" or parts.path.startswith(("/admin", "/api")):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local not in seen:
                queue.append(local)
    return seen


async def test_every_link_from_home_answers_without_a_server_error(
    client: httpx.AsyncClient, session, make_category, make_product, make_user: MakeUser
) -> None:
    await stock_the_shop(session, make_category, make_product)
    guest = await crawl(client)
    assert len(guest) > 15
    assert {path: status for path, status in guest.items() if status >= 500} == {}
    assert guest["/"] == 200 and guest[static_url("vitrina.css")] == 200

    buyer = await make_user(email="crawler@example.com")
    client.cookies.clear()
    await web_login(client, buyer.email)
    customer = await crawl(client)
    assert {path: status for path, status in customer.items() if status >= 500} == {}
    assert customer.get("/account") == 200 and customer.get("/basket") == 200
