"""Hostile HTTP: oversized bodies and uploads refused early (413), security headers on every
page, and no stack trace or configured secret in any answer, errors included."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from vitrina.accounts.models import Role
from vitrina.config import Settings

CHUNK = 64 * 1024


def forbidden_strings(settings: Settings) -> list[str]:
    values = ["Traceback", settings.jwt_secret.get_secret_value()]
    for secret in (settings.stripe_api_key, settings.stripe_webhook_secret):
        if secret is not None and secret.get_secret_value():
            values.append(secret.get_secret_value())
    return values


class CountingBody:
    """A request body streamed in chunks, counting how much of it the server pulled."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.total:
            chunk = b"x" * min(CHUNK, self.total - self.sent)
            self.sent += len(chunk)
            yield chunk


async def test_oversized_json_body_is_refused_before_it_is_read(client, settings):
    declared = settings.max_body_bytes * 4
    body = CountingBody(declared)
    response = await client.post(
        "/api/v1/auth/register",
        content=body,
        headers={"Content-Type": "application/json", "Content-Length": str(declared)},
    )
    assert response.status_code == 413
    assert body.sent <= settings.max_body_bytes + CHUNK


async def test_413_is_a_json_error_with_the_usual_headers(client, settings):
    """Like every other error: `{"detail": ...}`, a request id, and the security headers."""
    declared = settings.max_body_bytes + 1
    response = await client.post(
        "/api/v1/auth/register",
        content=CountingBody(declared),
        headers={"Content-Type": "application/json", "Content-Length": str(declared)},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/json"), response.text
    assert response.json()["detail"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "x-request-id" in response.headers


async def test_oversized_body_without_length_is_cut_off(client, settings):
    body = CountingBody(settings.max_body_bytes * 3)
    response = await client.post(
        "/api/v1/auth/register", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert body.sent <= settings.max_body_bytes + CHUNK


async def test_oversized_image_upload_is_413(
    client, settings, make_user, auth_headers, make_product
):
    staff = await make_user(role=Role.STAFF)
    product = await make_product(name="Upload target", price=1000, stock=1)
    too_big = b"\xff\xd8\xff" + b"0" * settings.max_upload_bytes
    response = await client.post(
        f"/api/v1/products/{product.id}/images",
        files={"file": ("big.jpg", too_big, "image/jpeg")},
        headers=auth_headers(staff),
    )
    assert response.status_code == 413, response.text
    images = await client.get(f"/api/v1/products/{product.id}")
    assert images.json()["images"] == []


PAGES = ["/", "/search?q=chair", "/login", "/register", "/basket", "/no-such-page", "/category/x"]


@pytest.mark.parametrize("path", PAGES)
async def test_storefront_pages_carry_security_headers(client, path):
    response = await client.get(path)
    assert response.status_code < 500
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] in (
        "strict-origin-when-cross-origin",
        "no-referrer",
        "same-origin",
    )
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    script_src = next((d for d in csp.split(";") if d.strip().startswith("script-src")), "")
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src


@pytest.mark.parametrize("path", ["/admin/login", "/docs", "/api/v1/products", "/healthz"])
async def test_other_responses_cannot_be_framed_or_sniffed(client, path):
    response = await client.get(path)
    assert response.status_code < 500
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_errors_reveal_no_trace_or_secret(client, settings, make_user, auth_headers):
    customer = await make_user()
    attempts = [
        client.get("/no-such-page"),
        client.get("/product/no-such-product"),
        client.get("/api/v1/products/999999"),
        client.get("/api/v1/products?cursor=not-a-cursor"),
        client.get("/api/v1/products?min_price=-1&max_price=abc"),
        client.post(
            "/api/v1/auth/register",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        ),
        client.post("/api/v1/auth/token", data={"username": "x@example.com", "password": "wrong"}),
        client.get("/api/v1/users/me", headers={"Authorization": "Bearer " + "e" * 300}),
        client.get("/api/v1/users/me", headers={"Authorization": "Bearer a.b.c"}),
        client.post(
            "/api/v1/stripe/webhook", content=b"{}", headers={"Stripe-Signature": "t=1,v1=00"}
        ),
        client.post(
            "/api/v1/stripe/webhook", content=b"\xff\xfe", headers={"Stripe-Signature": "x"}
        ),
        client.post("/api/v1/checkout", headers=auth_headers(customer)),
        client.put(
            "/api/v1/basket/items/1", json={"quantity": 10**12}, headers=auth_headers(customer)
        ),
        client.put("/api/v1/basket/promo", json={"code": "\u0000"}, headers=auth_headers(customer)),
        client.get(
            "/api/v1/checkout/success?session_id=cs_nope&code=x", headers=auth_headers(customer)
        ),
        client.get("/checkout/success?session_id=cs_nope&code=x"),
        client.get("/admin/nonexistent"),
    ]
    forbidden = forbidden_strings(settings)
    for attempt in attempts:
        response = await attempt
        assert response.status_code < 500, (response.request.url, response.text[:300])
        for needle in forbidden:
            assert needle not in response.text, (response.request.url, "leaks", needle[:8])
