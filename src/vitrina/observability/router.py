"""`/healthz`, `/readyz`, and `/metrics` (for loopback clients, or with METRICS_TOKEN)."""

from __future__ import annotations

import hmac
import ipaddress
import os

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from sqlalchemy import text

from vitrina.config import SettingsDep
from vitrina.db import db_helper
from vitrina.errors import ERROR_RESPONSE, Forbidden, Unauthorized

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "The database is unreachable."}})
async def readyz(request: Request) -> JSONResponse:
    """The process can serve: the database answers (and a demo's built-in Stripe has been
    brought level with the store)."""
    if getattr(request.app.state, "resyncing_stripe", False):
        return JSONResponse({"status": "starting", "stripe": "resyncing"}, status_code=503)
    try:
        async with db_helper.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database means "not ready"
        return JSONResponse(
            {"status": "unavailable", "database": type(exc).__name__}, status_code=503
        )
    return JSONResponse({"status": "ok", "database": "ok"})


def _is_loopback(request: Request) -> bool:
    try:
        return request.client is not None and ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False


def _allow_metrics(request: Request, settings: SettingsDep) -> None:
    """With METRICS_TOKEN set, only `Authorization: Bearer <token>` (from anywhere: behind a
    reverse proxy on the same host every client would look local); without it, only clients
    on this machine (the address uvicorn reports, which honours X-Forwarded-For only from
    FORWARDED_ALLOW_IPS)."""
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    if token:
        scheme, _, sent = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip(), token):
            raise Unauthorized("Metrics need the bearer token set in METRICS_TOKEN.")
    elif not _is_loopback(request):
        raise Forbidden("Metrics are served to this machine only; set METRICS_TOKEN to scrape.")


@router.get(
    "/metrics",
    response_class=Response,
    responses={401: ERROR_RESPONSE, 403: ERROR_RESPONSE},
)
async def metrics(request: Request, settings: SettingsDep) -> Response:
    """Prometheus text format; with several server processes (PROMETHEUS_MULTIPROC_DIR set,
    as `vitrina serve --workers N` does) the sum over all of them."""
    _allow_metrics(request, settings)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
