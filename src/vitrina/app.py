"""create_app(): the ASGI application with its lifespan, routers and error handlers."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from vitrina.accounts.profile_router import router as accounts_profile_router
from vitrina.accounts.router import router as accounts_router
from vitrina.admin import install_admin
from vitrina.basket.router import HOT_BASKET_WRITES
from vitrina.basket.router import router as basket_router
from vitrina.catalog.router import HOT_CATALOG_READS
from vitrina.catalog.router import ROUTERS as CATALOG_ROUTERS
from vitrina.config import Settings, get_settings, set_settings
from vitrina.coupons.router import router as coupons_router
from vitrina.currencies.router import router as currencies_router
from vitrina.db import db_helper
from vitrina.demo import resync_builtin_emulator
from vitrina.demo_folder import EMULATOR_STATE_FILE
from vitrina.errors import install_error_handlers
from vitrina.hot_routes import HotRoutesMiddleware, hot_routes
from vitrina.kit.after_commit import wait_for_after_commit_jobs
from vitrina.kit.compression import GzipWhenAsked
from vitrina.observability.body_limit import BodyLimitMiddleware
from vitrina.observability.logging import configure_logging
from vitrina.observability.middleware import RequestContextMiddleware
from vitrina.observability.public_origin import PublicOriginMiddleware
from vitrina.observability.router import router as operations_router
from vitrina.orders.notifications import wait_for_outgoing_mail
from vitrina.orders.router import router as orders_router
from vitrina.payments.client import EMULATOR_MOUNT, close_stripe_clients, webhook_secret
from vitrina.payments.router import router as payments_router
from vitrina.payments.sync.worker import run_worker
from vitrina.payments.sync_router import router as stripe_sync_router
from vitrina.payments.webhooks import run_webhook_retrier
from vitrina.shipping.router import router as shipping_router
from vitrina.storefront import install_storefront
from vitrina.taxes.router import router as taxes_router

API_PREFIX = "/api/v1"
API_ROUTERS: tuple[APIRouter, ...] = (
    *CATALOG_ROUTERS,  # first: the busiest routes are matched soonest
    accounts_router,
    accounts_profile_router,
    coupons_router,
    basket_router,
    orders_router,
    payments_router,
    stripe_sync_router,
    shipping_router,
    taxes_router,
    currencies_router,
)
"""Each included into the app itself under API_PREFIX: FastAPI 0.165 walks every level of
included routers twice per request, so a flat list is about a tenth of a catalog read."""
DEMO_WARNING = (
    "DEMO MODE: no real payments. Anyone can complete an order with the test card; the "
    "built-in Stripe emulator holds the payments. Never expose a demo store to the internet."
)
WORKER_STOP_SECONDS = 5.0
log = structlog.get_logger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check()
    set_settings(settings)
    configure_logging(settings.log_level_number, settings.log_format)
    if settings.demo:
        log.warning(DEMO_WARNING, demo_folder=str(settings.demo_folder))
    db_helper.configure(
        settings.database_url,
        echo=settings.database_echo,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pre_ping=settings.database_pre_ping,
        pool_timeout=settings.database_pool_timeout,
    )
    if settings.database_replica_url:
        db_helper.configure_replica(
            settings.database_replica_url,
            max_lag_seconds=settings.database_replica_max_lag_seconds,
            pool_size=settings.database_pool_size,
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        workers: list[asyncio.Task[None]] = []
        if _runs_embedded_worker(settings):
            workers = [
                asyncio.create_task(_embedded_worker(app, stop), name="stripe-sync-worker"),
                asyncio.create_task(run_webhook_retrier(stop), name="webhook-retrier"),
            ]
        freeze_startup_objects()
        try:
            yield
        finally:
            stop.set()
            await _stop_embedded_workers(workers)
            await wait_for_outgoing_mail()
            await wait_for_after_commit_jobs()
            await close_stripe_clients()
            emulator = getattr(app.state, "stripe_emulator", None)
            if emulator is not None:
                await emulator.aclose()
            await db_helper.dispose()

    app = FastAPI(
        title=settings.store_name,
        version="0.1.0",
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs",
    )
    app.state.settings = settings
    app.state.resyncing_stripe = settings.builtin_emulator and _runs_embedded_worker(settings)
    install_error_handlers(app)
    # Innermost: every other middleware sees the hot reads as any other request.
    hot = hot_routes(API_PREFIX, API_ROUTERS, HOT_CATALOG_READS | HOT_BASKET_WRITES)
    app.add_middleware(HotRoutesMiddleware, routes=hot)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(operations_router)
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    app.mount("/media", StaticFiles(directory=settings.media_dir, check_dir=False), name="media")
    install_storefront(app)
    install_admin(app)
    if settings.builtin_emulator:
        mount_stripe_emulator(app, settings)
    app.add_middleware(GzipWhenAsked, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=6)
    app.add_middleware(PublicOriginMiddleware, base_url=lambda: get_settings().public_base_url)
    return app


def freeze_startup_objects() -> None:
    """Leave what startup made (modules, the app, routes, models, compiled statements) out of
    the garbage collector's full collections: they live as long as the process, and each
    full collection walked them all, a pause that every request in flight waited for (the
    product page's p99 at 64 connections, docs/benchmarks.md)."""
    gc.collect()
    gc.freeze()


GZIP_MINIMUM_BYTES = 1024
"""Smaller bodies (a basket, most errors) fit one packet either way and are sent as they
are; pages, CSS and product lists are compressed when the client asks (level 6, zlib's usual
balance: a 5.8 KB product list becomes 1.4 KB for about 0.13 ms of CPU; docs/benchmarks.md)."""


def mount_stripe_emulator(app: FastAPI, settings: Settings) -> None:
    """Demo mode without Stripe: serve the local Stripe emulator from this process, its
    state kept in the demo folder, its test controls off (a visitor cannot reset it).

    Several app processes would each hold their own emulator state; run
    `vitrina stripe-emulator` apart and set STRIPE_API_BASE for that.
    """
    from vitrina.stripe_emulator import create_emulator_app

    emulator = create_emulator_app(
        public_url=settings.public_base_url + EMULATOR_MOUNT,
        webhook_url=settings.public_base_url + "/api/v1/stripe/webhook",
        webhook_secret=webhook_secret(settings),
        controls=False,
        state_file=settings.demo_folder / EMULATOR_STATE_FILE,
    )
    app.mount(EMULATOR_MOUNT, emulator)
    app.state.stripe_emulator = emulator.state.emulator


async def _embedded_worker(app: FastAPI, stop: asyncio.Event) -> None:
    """The demo's sync worker. With the built-in emulator it first re-syncs what that lacks,
    and until then `/readyz` says the store is still starting."""
    if app.state.resyncing_stripe:
        try:
            await resync_builtin_emulator(app.state.settings)
        except Exception:
            log.exception("demo_stripe_resync_failed")
        finally:
            app.state.resyncing_stripe = False
    await run_worker(stop)


async def _stop_embedded_workers(workers: list[asyncio.Task[None]]) -> None:
    """Let them finish what they are doing for up to WORKER_STOP_SECONDS, then cancel them,
    so that shutdown always goes on to save the emulator's state and close the database (a
    sync cut short leaves its row due; Stripe idempotency keys make the retry safe)."""
    if not workers:
        return
    _done, pending = await asyncio.wait(workers, timeout=WORKER_STOP_SECONDS)
    for task in pending:
        task.cancel()
    if pending:
        log.warning("embedded_workers_cancelled", tasks=[task.get_name() for task in pending])
    outcomes = await asyncio.gather(*workers, return_exceptions=True)
    for task, outcome in zip(workers, outcomes, strict=True):
        if isinstance(outcome, Exception):
            log.error("embedded_worker_failed", task=task.get_name(), error=repr(outcome))


def _runs_embedded_worker(settings: Settings) -> bool:
    """The demo syncs Stripe from its own process; production runs `vitrina worker`."""
    if settings.run_embedded_worker is not None:
        return settings.run_embedded_worker
    return settings.demo
