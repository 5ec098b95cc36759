"""Errors on pages are pages: a friendly HTML error, or a redirect to log in.

The JSON handlers from vitrina.errors stay in charge of the API and of library apps; this
wraps them and answers HTML only for the storefront's own paths.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from vitrina.errors import DATABASE_UNAVAILABLE, VitrinaError
from vitrina.storefront.deps import LoginRequired, login_url
from vitrina.storefront.templating import N_, render, translate

Handler = Callable[[Request, Exception], Awaitable[Response]]
NOT_PAGES = (
    "/api/",
    "/admin",
    "/stripe-emulator",
    "/docs",
    "/redoc",
    "/openapi.json",
    "/healthz",
    "/readyz",
    "/metrics",
    "/static/",
    "/media/",
)
TITLES = {
    400: N_("Something is wrong with the request"),
    403: N_("Not allowed"),
    404: N_("Page not found"),
    405: N_("Not allowed"),
    409: N_("That did not work"),
    422: N_("Something is wrong with the request"),
    429: N_("Too many requests"),
    503: N_("Temporarily unavailable"),
}
MESSAGES = {
    403: N_("The form has expired or you may not do this. Reload the page and try again."),
    404: N_("We could not find what you were looking for."),
    503: N_("A service we depend on is not answering. Please try again in a moment."),
}


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(NOT_PAGES)


def error_page(request: Request, status: int) -> Response:
    title = TITLES.get(status, N_("Something went wrong"))
    message = MESSAGES.get(status, N_("Please go back and try again."))
    context = {"title": translate(request, title), "message": translate(request, message)}
    return render(request, "storefront/error.html", context, status_code=status)


def _html_for_pages(json_handler: Handler | None, fallback_status: int = 500) -> Handler:
    async def handler(request: Request, exc: Exception) -> Response:
        if is_page(request) or json_handler is None:
            status = getattr(exc, "status_code", fallback_status)
            if isinstance(exc, RequestValidationError):
                status = 422
            return error_page(request, int(status))
        return await json_handler(request, exc)

    return handler


async def _login_required(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(login_url(exc.next_path), status_code=303)


def _crash_page(json_handler: Handler | None) -> Handler:
    """The app's handler still logs the crash; a page shows it as a page."""

    async def handler(request: Request, exc: Exception) -> Response:
        answer = await json_handler(request, exc) if json_handler is not None else None
        if is_page(request) or answer is None:
            return error_page(request, 500)
        return answer

    return handler


def _unavailable_page(json_handler: Handler) -> Handler:
    """The app's handler logs and answers 503 with Retry-After; a page says the same as a page."""

    async def handler(request: Request, exc: Exception) -> Response:
        answer = await json_handler(request, exc)
        if not is_page(request):
            return answer
        page = error_page(request, answer.status_code)
        if "retry-after" in answer.headers:
            page.headers["Retry-After"] = answer.headers["retry-after"]
        return page

    return handler


def install_page_errors(app: FastAPI) -> None:
    handlers = app.exception_handlers
    for kind in (VitrinaError, StarletteHTTPException, RequestValidationError):
        app.add_exception_handler(kind, _html_for_pages(handlers.get(kind)))  # type: ignore[arg-type]
    for down in DATABASE_UNAVAILABLE:
        if (unavailable := handlers.get(down)) is not None:
            app.add_exception_handler(down, _unavailable_page(unavailable))  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _crash_page(handlers.get(Exception)))  # type: ignore[arg-type]
    app.add_exception_handler(LoginRequired, _login_required)
