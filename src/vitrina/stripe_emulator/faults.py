"""Injected faults for the next N API calls, or for a time window: 500, 429, slow, dropped.

`slow` waits `delay` seconds and then answers normally (and holds the idempotency key
meanwhile, so a concurrent retry sees 409). `drop` executes the request, stores its
idempotent result, then drops the connection before the response is complete: the client
cannot know whether the call happened, exactly the case idempotency keys exist for.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

FaultKind = Literal["500", "429", "slow", "drop"]
KINDS: tuple[str, ...] = ("500", "429", "slow", "drop")


@dataclass
class Fault:
    id: int
    kind: FaultKind
    remaining: int | None
    until: float | None
    delay: float
    path_prefix: str
    method: str | None

    def applies(self, method: str, path: str, now: float) -> bool:
        if self.until is not None and now > self.until:
            return False
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return path.startswith(self.path_prefix)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "remaining": self.remaining,
            "until": self.until,
            "delay": self.delay,
            "path_prefix": self.path_prefix,
            "method": self.method,
        }


class FaultSet:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(
        self,
        kind: FaultKind,
        *,
        count: int | None,
        seconds: float | None,
        delay: float,
        path_prefix: str,
        method: str | None,
    ) -> Fault:
        until = time.monotonic() + seconds if seconds is not None else None
        remaining = count if count is not None or seconds is not None else 1
        fault = Fault(self._next_id, kind, remaining, until, delay, path_prefix, method)
        self._next_id += 1
        self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first matching fault, counting one use of it."""
        now = time.monotonic()
        for fault in self._faults:
            if fault.applies(method, path, now):
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None

    def active(self) -> list[Fault]:
        now = time.monotonic()
        return [f for f in self._faults if f.until is None or now <= f.until]

    def clear(self) -> None:
        self._faults.clear()
