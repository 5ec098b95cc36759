"""Run async calls at a bounded concurrency and report throughput and latency percentiles."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Call = Callable[[], Awaitable[bool]]


@dataclass
class Run:
    name: str
    latencies_ms: list[float]
    seconds: float
    failures: int

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms) or [0.0]
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def row(self, width: int = 44) -> str:
        return (
            f"{self.name:<{width}} {self.rate:8.1f}/s  p50 {self.percentile(0.5):7.1f} ms  "
            f"p99 {self.percentile(0.99):7.1f} ms  failed {self.failures}"
        )


async def run_concurrently(name: str, calls: list[Call], concurrency: int) -> Run:
    """Each call returns True on success; at most `concurrency` are in flight at once."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    failures = 0

    async def one(call: Call) -> None:
        nonlocal failures
        async with gate:
            start = time.perf_counter()
            ok = await call()
            latencies.append((time.perf_counter() - start) * 1000)
            failures += 0 if ok else 1

    start = time.perf_counter()
    await asyncio.gather(*(one(call) for call in calls))
    return Run(name, latencies, time.perf_counter() - start, failures)
