"""The emulator's notion of "now": wall time plus an offset that tests can advance."""

from __future__ import annotations

import time


class Clock:
    """Injectable clock. `start` pins the initial time (unix seconds); otherwise it follows the
    wall clock. `advance()` moves it forward without sleeping."""

    def __init__(self, start: float | None = None) -> None:
        self._offset = 0.0 if start is None else start - time.time()
        self._initial_offset = self._offset

    def now(self) -> float:
        return time.time() + self._offset

    def timestamp(self) -> int:
        return int(self.now())

    def reset(self) -> None:
        """Undo every `advance()` (the emulator's reset control calls this)."""
        self._offset = self._initial_offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += seconds
