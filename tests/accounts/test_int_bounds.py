"""Integers beyond 64 bits in any path or query parameter never give a 500: an id in a path
is not found (404) or refused (422); a query value is refused or clamped (a page number).

PostgreSQL refuses an out-of-range integer with a data error; SQLite's driver raises
OverflowError before the query runs. The routes are enumerated from the app itself (the JSON
API and the pages), so a route added later is covered without touching this test. Each is
called as an administrator (bearer token and web session), so that the value reaches the code
behind the login checks.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from types import UnionType
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from fixtures.accounts import DEFAULT_PASSWORD, MakeUser
from storefront.helpers import page_token, web_login
from vitrina.accounts.models import Role
from vitrina.accounts.security import create_access_token

HUGE = [2**63, 2**64, -(2**63) - 1, 10**40]
PLACEHOLDER = re.compile(r"\{(\w+)(:\w+)?\}")


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every APIRoute with its full path. FastAPI 0.165 keeps included routers as
    `_IncludedRouter` branches (`original_router` + `include_context.prefix`)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            branch = prefix + route.include_context.prefix
            yield from _routes(route.original_router.routes, branch)


def _is_int(annotation: object) -> bool:
    if annotation is int:
        return True
    return typing.get_origin(annotation) in (typing.Union, UnionType) and int in typing.get_args(
        annotation
    )


def _int_params(route: APIRoute) -> tuple[set[str], set[str]]:
    path: set[str] = set()
    query: set[str] = set()
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        pending.extend(dependant.dependencies)
        path |= {p.name for p in dependant.path_params if _is_int(p.field_info.annotation)}
        query |= {p.name for p in dependant.query_params if _is_int(p.field_info.annotation)}
    return path, query


def _fill(path: str, ints: set[str], name: str | None) -> str:
    """`path` with `{value}` for parameter `name`, 1 for other int and x for text parameters."""

    def value(match: re.Match[str]) -> str:
        param = match.group(1)
        return "{value}" if param == name else "1" if param in ints else "x"

    return PLACEHOLDER.sub(value, path)


def _cases(app: FastAPI) -> list[tuple[str, str, str]]:
    """(method, url template with {value}, what) for every int parameter of every route."""
    cases = []
    for path, route in _routes(app.router.routes):
        ints_in_path, ints_in_query = _int_params(route)
        for method in sorted(route.methods):
            for name in sorted(ints_in_path):
                cases.append((method, _fill(path, ints_in_path, name), f"{method} {path} {name}"))
            for name in sorted(ints_in_query):
                url = f"{_fill(path, ints_in_path, None)}?{name}={{value}}"
                cases.append((method, url, f"{method} {path} ?{name}"))
    return cases


def _answering_client(app: FastAPI) -> httpx.AsyncClient:
    """A client that sees a crash as the 500 a browser would get, instead of the exception."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_huge_integers_in_paths_and_queries_are_refused_not_crashed(
    app: FastAPI, make_user: MakeUser
) -> None:
    async with _answering_client(app) as client:
        await _every_int_parameter_refuses_huge_values(app, client, make_user)


async def _every_int_parameter_refuses_huge_values(
    app: FastAPI, client: httpx.AsyncClient, make_user: MakeUser
) -> None:
    admin = await make_user(email="root@example.com", role=Role.ADMIN)
    await web_login(client, admin.email)
    csrf = await page_token(client, "/")
    headers = {"Authorization": f"Bearer {create_access_token(admin)}", "X-CSRF-Token": csrf}
    cases = _cases(app)
    covered = {what for _m, _u, what in cases}
    assert any("/api/v1/products/{" in what for what in covered), covered
    assert any("/account/orders/{order_id}" in what for what in covered), covered
    assert any("?offset" in what for what in covered), covered

    failures = []
    for method, template, what in cases:
        for value in HUGE:
            response = await client.request(
                method, template.replace("{value}", str(value)), headers=headers
            )
            if response.status_code >= 500:
                failures.append(f"{what} = {value}: {response.status_code}")
            elif "?" not in template and response.status_code not in (400, 404, 422):
                failures.append(f"{what} = {value}: {response.status_code} (expected 404/422)")
    assert not failures, "\n".join(failures)


async def test_huge_ids_in_the_admin_are_not_found(app: FastAPI, make_user: MakeUser) -> None:
    admin = await make_user(email="root@example.com", role=Role.ADMIN)
    async with _answering_client(app) as client:
        login = await client.post(
            "/admin/login", data={"username": admin.email, "password": DEFAULT_PASSWORD}
        )
        assert login.status_code in (302, 303)
        answers = {
            (view, value): (await client.get(f"/admin/{view}/details/{value}")).status_code
            for view in ("product", "user", "order")
            for value in HUGE
        }
    assert all(status in (400, 404, 422) for status in answers.values()), answers
