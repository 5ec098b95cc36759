"""Server-side idempotency as Stripe does it.

The first response for an `Idempotency-Key` (status and body, 500s included) is kept for 24
hours of the emulator's clock and replayed for the same request. The same key with other
parameters or another endpoint is a 400 `idempotency_error`; while the first request is still
running, a 409. Requests that fail parameter validation store nothing, so the caller may fix
them and retry with the same key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from vitrina.stripe_emulator.errors import StripeError

RETENTION_SECONDS = 24 * 60 * 60


@dataclass
class Record:
    method: str
    path: str
    fingerprint: str
    created: float
    status: int | None = None
    body: dict[str, Any] | None = None

    @property
    def in_flight(self) -> bool:
        return self.status is None


def fingerprint(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, default=str)


class IdempotencyStore:
    def __init__(self) -> None:
        self._records: dict[tuple[str, str], Record] = {}

    def clear(self) -> None:
        self._records.clear()

    def begin(
        self,
        scope: str,
        key: str,
        *,
        method: str,
        path: str,
        params: dict[str, Any],
        now: float,
    ) -> Record | None:
        """A stored record to replay, or None after reserving the key for this request.

        Raises the 400/409 Stripe answers for a misused key."""
        self._forget_older_than(now - RETENTION_SECONDS)
        record = self._records.get((scope, key))
        if record is None:
            self._records[(scope, key)] = Record(method, path, fingerprint(params), now)
            return None
        if record.in_flight:
            raise StripeError(
                409,
                "There is currently another in-progress request using this Idempotent Key "
                "(that probably means you submitted twice, and the other request is still "
                f"going through): {key}. Please try again later.",
                code="idempotency_key_in_use",
                stored=False,
            )
        if record.method != method or record.path != path:
            raise StripeError(
                400,
                "Keys for idempotent requests can only be used for the same endpoint they were "
                f"first used for ('{record.method} {record.path}' vs '{method} {path}'). Try "
                f"using a key other than '{key}' if you meant to execute a different request.",
                type="idempotency_error",
                stored=False,
            )
        if record.fingerprint != fingerprint(params):
            raise StripeError(
                400,
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request.",
                type="idempotency_error",
                stored=False,
            )
        return record

    def finish(self, scope: str, key: str, status: int, body: dict[str, Any]) -> None:
        record = self._records.get((scope, key))
        if record is not None:
            record.status = status
            record.body = body

    def abandon(self, scope: str, key: str) -> None:
        self._records.pop((scope, key), None)

    def _forget_older_than(self, cutoff: float) -> None:
        for record_key in [k for k, r in self._records.items() if r.created < cutoff]:
            del self._records[record_key]
