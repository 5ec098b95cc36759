"""The whole admin, crawled as staff: every link followed, every form sent with what it
holds, with nonsense and with nothing; every action posted. No answer is a 5xx."""

from __future__ import annotations

import re
from collections import deque

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from admin.crawl import PageForm, read
from admin.helpers import admin_login, csrf
from admin.test_admin_orders import paid_order
from storefront.shop_data import product_picture
from vitrina.accounts.models import User
from vitrina.catalog.variant_schemas import OptionIn, OptionValueIn
from vitrina.catalog.variant_service import add_option, generate_variants

SKIP = ("/admin/logout", "/admin/statics/")
NONSENSE = ("-1", "x" * 3000, "99999999999999999999", "\x00")
MAX_PAGES = 400


def _variants(form: PageForm, token: str) -> list[dict[str, str]]:
    honest = {f.name: f.value for f in form.fields}
    honest["csrf_token"] = token
    variants = [honest]
    for junk in NONSENSE:
        mangled = {
            f.name: (f.value if f.name in ("csrf_token", "token", "pks") else junk)
            for f in form.fields
        }
        variants.append({**mangled, "csrf_token": token})
    variants.append({"csrf_token": token})
    return variants


async def _send(client: httpx.AsyncClient, form: PageForm, data: dict[str, str]) -> int:
    buttons = form.buttons or [("", "")]
    worst = 0
    for name, value in buttons:
        body = {**data, **({name: value} if name else {})}
        if form.method == "GET":
            response = await client.get(form.action, params=body)
        elif form.multipart:
            files = {"image": ("", b"", "application/octet-stream")}
            response = await client.post(form.action, data=body, files=files)
        else:
            response = await client.post(form.action, data=body)
        worst = max(worst, response.status_code)
        assert response.status_code < 500, (form.action, body, response.text[-2000:])
    return worst


@pytest.mark.slow
@pytest.mark.timeout(600)  # several hundred requests; the shared machine is loaded
async def test_no_admin_link_or_form_gives_a_server_error(
    client: httpx.AsyncClient,
    admin: User,
    customer: User,
    session: AsyncSession,
    make_product,
    make_category,
) -> None:
    category = await make_category(name="Kitchen")
    product = await make_product(name="Whisk", category=category, price=990, stock=3)
    for name, values in (("Size", ("S", "M")), ("Colour", ("red", "blue"))):
        await add_option(
            session, product, OptionIn(name=name, values=[OptionValueIn(value=v) for v in values])
        )
    await generate_variants(session, product, stock=2)
    await session.commit()
    await paid_order(session, customer)
    await admin_login(client, admin)
    await client.post(
        f"/admin/product/images/{product.id}",
        data={"operation": "add", "alt": "A whisk", "csrf_token": await csrf(client)},
        files={"file": ("w.png", product_picture("#eef2ff", "#4338ca", "circle"), "image/png")},
    )
    token = await csrf(client)

    seen: set[str] = set()
    queue: deque[str] = deque(["/admin/", f"/admin/product/variants/{product.id}"])
    forms: dict[tuple[str, str], PageForm] = {}
    actions: set[str] = set()
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen or url.startswith(SKIP):
            continue
        seen.add(url)
        response = await client.get(url)
        assert response.status_code < 500, (url, response.text[-2000:])
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        page = read(f"http://testserver{url}", response.text)
        actions |= set(re.findall(r'(?:data-url|href)="([^"]*/action/[^"?]*)', response.text))
        for link in sorted(page.links):
            if "/action/" in link:
                actions.add(link.split("?")[0])
            elif link not in seen and not re.search(r"[?&](page|pageSize|sort)", link):
                queue.append(link)
        for form in page.forms:
            forms.setdefault((form.action, ",".join(sorted(f.name for f in form.fields))), form)
    assert len(seen) > 25, sorted(seen)
    assert any("/order/details/" in url for url in seen)
    assert f"/admin/product/variants/{product.id}" in seen
    assert any(form.action.startswith("/admin/product/variants/") for form in forms.values())

    for form in forms.values():
        if "/delete" in form.action:
            continue
        for data in _variants(form, token):
            await _send(client, form, data)
    for action in sorted(actions):
        path = action.replace("http://testserver", "")
        for pks in ("", "1", "abc", "99999999999", f"{product.id},{customer.id}"):
            response = await client.post(path, params={"pks": pks}, data={"csrf_token": token})
            assert response.status_code < 500, (path, pks, response.text[-2000:])
    for identity in ("product", "category", "discount-coupon", "user", "order", "audit-entry"):
        for pk in ("abc", "99999999999", "-1", "0"):
            for page in ("details", "edit"):
                response = await client.get(f"/admin/{identity}/{page}/{pk}")
                assert response.status_code < 500, (identity, page, pk)
        for pks in ("1", "abc", "99999999999"):
            response = await client.delete(
                f"/admin/{identity}/delete", params={"pks": pks}, headers={"X-CSRF-Token": token}
            )
            assert response.status_code < 500, (identity, pks, response.text[-2000:])
