from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from vitrina.config import Settings


async def test_healthz_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-request-id"]


async def test_readyz_checks_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


async def test_metrics_count_requests_by_route(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    body = (await client.get("/metrics")).text
    assert 'vitrina_http_requests_total{method="GET",route="/healthz",status="200"}' in body
    assert "vitrina_http_request_duration_seconds_bucket" in body


async def test_unknown_path_is_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def _from(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_metrics_are_served_to_this_machine_only(app: FastAPI) -> None:
    async with _from(app, "203.0.113.7") as outsider:
        response = await outsider.get("/metrics")
    assert response.status_code == 403
    assert "METRICS_TOKEN" in response.json()["detail"]
    async with _from(app, "::1") as local:
        assert (await local.get("/metrics")).status_code == 200


async def test_with_a_metrics_token_only_its_bearer_scrapes(
    app: FastAPI, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "metrics_token", SecretStr("scrape-token-0123456789"))
    async with _from(app, "203.0.113.7") as prometheus, _from(app, "127.0.0.1") as local:
        assert (await prometheus.get("/metrics")).status_code == 401
        wrong = {"Authorization": "Bearer scrape-token-wrong"}
        assert (await prometheus.get("/metrics", headers=wrong)).status_code == 401
        # A reverse proxy on this machine makes every client local: the token still counts.
        assert (await local.get("/metrics")).status_code == 401
        right = {"Authorization": "Bearer scrape-token-0123456789"}
        scraped = await prometheus.get("/metrics", headers=right)
    assert scraped.status_code == 200
    assert "vitrina_http_requests_total" in scraped.text
