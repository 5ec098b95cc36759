"""One error base class carrying its HTTP status, and the handlers that render it."""

from __future__ import annotations

from typing import Any, ClassVar

import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException

from vitrina.kit import sqlite_writes

log = structlog.get_logger(__name__)


class VitrinaError(Exception):
    """An error the client can act on. `detail` is shown to the client as is; `field` names
    the input it is about, when it is about one (a slug or SKU taken), so that a form can
    show it next to that input."""

    status_code: ClassVar[int] = 400
    default_detail: ClassVar[str] = "Bad request."

    def __init__(
        self,
        detail: Any = None,
        *,
        headers: dict[str, str] | None = None,
        field: str | None = None,
    ) -> None:
        self.detail = detail if detail is not None else self.default_detail
        self.headers = headers
        self.field = field
        super().__init__(str(self.detail))


class BadRequest(VitrinaError):
    status_code = 400


class Unauthorized(VitrinaError):
    status_code = 401
    default_detail = "Not authenticated."

    def __init__(self, detail: Any = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(VitrinaError):
    status_code = 403
    default_detail = "You are not allowed to do this."


class NotFound(VitrinaError):
    status_code = 404
    default_detail = "Not found."


class Conflict(VitrinaError):
    status_code = 409
    default_detail = "Conflict with the current state."


class PayloadTooLarge(VitrinaError):
    status_code = 413
    default_detail = "The request body is too large."


class Unprocessable(VitrinaError):
    status_code = 422
    default_detail = "The request could not be processed."


class TooManyRequests(VitrinaError):
    status_code = 429
    default_detail = "Too many requests. Try again later."


class ServiceUnavailable(VitrinaError):
    status_code = 503
    default_detail = "The service is temporarily unavailable. Try again shortly."


ERROR_RESPONSE = {"content": {"application/json": {"example": {"detail": "message"}}}}


def error_response(exc: VitrinaError) -> JSONResponse:
    """How every `VitrinaError` is answered: its status, `{"detail"}` and its headers."""
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _vitrina_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VitrinaError)
    return error_response(exc)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


def http_error_response(exc: StarletteHTTPException) -> JSONResponse:
    """How every `HTTPException` (a 413 from the body limit, a 404 of the router) is answered."""
    return JSONResponse(
        {"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None)
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return http_error_response(exc)


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    if sqlite_writes.is_busy(exc):
        log.warning("database_busy", path=request.url.path)
        detail = "The store is busy writing other orders. Try again in a few seconds."
    else:
        log.warning("database_unavailable", path=request.url.path, error_type=type(exc).__name__)
        detail = "The store's database is unavailable. Try again in a few seconds."
    return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": "5"})


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    """A safety net: a constraint the services did not check first is still a 409."""
    log.warning("integrity_error", path=request.url.path, error=str(exc).splitlines()[0])
    return JSONResponse({"detail": "The request conflicts with existing data."}, status_code=409)


async def _unstorable_value(request: Request, exc: Exception) -> JSONResponse:
    """A value the database cannot hold (NUL or a lone surrogate in text, an integer out of
    range) is the client's mistake: 422, and the request's transaction is rolled back."""
    log.info("unstorable_value", path=request.url.path, error_type=type(exc).__name__)
    return JSONResponse(
        {
            "detail": "A value in the request cannot be stored: it is out of range or "
            "contains characters that are not allowed (such as NUL)."
        },
        status_code=422,
    )


async def _overflow(request: Request, exc: Exception) -> JSONResponse:
    """SQLite's driver refuses an integer beyond 64 bits before the query runs (PostgreSQL
    answers a data error, SQLSTATE 22003): the same 422 on both. Any other overflow is ours."""
    if "SQLite INTEGER" in str(exc):
        return await _unstorable_value(request, exc)
    return await _unexpected_error(request, exc)


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """Sort a driver error by its SQLSTATE class: 22 bad data (422), 08/53/57 lost connection,
    server out of resources (too many clients) or shutdown (503), 23 constraint (409);
    SQLite's write lock still taken after its busy timeout (503); anything else is ours (500)."""
    assert isinstance(exc, sa_exc.DBAPIError)
    sqlstate = str(getattr(exc.orig, "sqlstate", None) or "")
    if sqlstate.startswith("22"):
        return await _unstorable_value(request, exc)
    lost = exc.connection_invalidated or sqlstate[:2] in ("08", "53", "57")
    if lost or sqlite_writes.is_busy(exc):
        return await _database_unavailable(request, exc)
    if sqlstate.startswith("23"):
        return await _integrity_error(request, exc)
    return await _unexpected_error(request, exc)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled_error", path=request.url.path, error_type=type(exc).__name__)
    return JSONResponse({"detail": "Internal server error."}, status_code=500)


DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
    ConnectionError,
    TimeoutError,
)
"""The database down, unreachable or (SQLite) busy past its timeout: 503 with Retry-After."""


def install_data_error_handlers(app: Starlette) -> None:
    """Values the database refuses (out of range, unstorable text, a constraint) are the
    client's 4xx. Also installed on apps mounted beside the store's (the admin)."""
    app.add_exception_handler(sa_exc.IntegrityError, _integrity_error)
    app.add_exception_handler(sa_exc.DataError, _unstorable_value)
    app.add_exception_handler(UnicodeEncodeError, _unstorable_value)
    app.add_exception_handler(OverflowError, _overflow)
    app.add_exception_handler(sa_exc.DBAPIError, _database_error)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(VitrinaError, _vitrina_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    install_data_error_handlers(app)
    for unavailable in DATABASE_UNAVAILABLE:
        app.add_exception_handler(unavailable, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected_error)
