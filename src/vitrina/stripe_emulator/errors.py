"""Stripe-shaped errors: `{"error": {"type", "code", "param", "message"}}` plus an HTTP status."""

from __future__ import annotations

from typing import Any


class StripeError(Exception):
    """An error the emulator answers with, shaped exactly like Stripe's error body.

    `stored` tells the idempotency layer whether the response may be saved under the
    request's idempotency key: Stripe saves results only once the endpoint began executing,
    so parameter-validation failures are never stored.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        stored: bool = True,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.stored = stored
        self.extra = extra or {}

    def body(self, request_log_url: str | None = None) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code is not None:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.param is not None:
            error["param"] = self.param
        if request_log_url is not None:
            error["request_log_url"] = request_log_url
        error.update(self.extra)
        return {"error": error}


def invalid(
    message: str, *, param: str | None = None, code: str | None = None, stored: bool = True
) -> StripeError:
    return StripeError(400, message, param=param, code=code, stored=stored)


def param_error(message: str, *, param: str, code: str | None) -> StripeError:
    """A parameter-validation failure: 400 and never stored for idempotency."""
    return StripeError(400, message, param=param, code=code, stored=False)


def not_found(kind: str, object_id: str, *, param: str = "id") -> StripeError:
    return StripeError(
        404,
        f"No such {kind}: '{object_id}'",
        code="resource_missing",
        param=param,
    )


def already_exists(message: str, *, param: str = "id") -> StripeError:
    return StripeError(400, message, code="resource_already_exists", param=param)
