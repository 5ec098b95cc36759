"""Run wrk (a separate process, 127.0.0.1 only) and read its `--latency` report."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

WRK = "/usr/bin/wrk"
LUA_DIR = Path(__file__).resolve().parent / "lua"
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip()).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse(output: str) -> WrkResult:
    """The figures of a `wrk --latency` report."""
    percentiles = dict(re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", output, re.MULTILINE))
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not (done and rate and "50" in percentiles and "99" in percentiles):
        raise ValueError(f"unexpected wrk output:\n{output}")
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkResult(
        requests=int(done.group(1)),
        seconds=_ms(done.group(2) + done.group(3)) / 1000,
        rps=float(rate.group(1)),
        p50_ms=_ms(percentiles["50"]),
        p99_ms=_ms(percentiles["99"]),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
    )


def combined(rounds: Sequence[WrkResult]) -> WrkResult:
    """Several runs of one load read as one: requests, seconds and errors summed, the rate
    from the sums, the median of the rounds' p50s and the worst round's p99 (wrk reports
    percentiles, not latencies, so no p99 over all rounds can be computed; the worst is
    the figure that cannot flatter)."""
    if not rounds:
        raise ValueError("no rounds to combine")
    requests = sum(r.requests for r in rounds)
    seconds = sum(r.seconds for r in rounds)
    return WrkResult(
        requests=requests,
        seconds=seconds,
        rps=requests / seconds,
        p50_ms=statistics.median(r.p50_ms for r in rounds),
        p99_ms=max(r.p99_ms for r in rounds),
        non_2xx=sum(r.non_2xx for r in rounds),
        socket_errors=sum(r.socket_errors for r in rounds),
    )


def run(
    url: str,
    *,
    seconds: float,
    connections: int,
    threads: int = 2,
    requests_file: Path | None = None,
    pause_ms: float = 0,
    timeout_s: float = 5,
) -> WrkResult:
    """One wrk run against `url`; with `requests_file`, the prepared requests of requests.lua."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("load is only ever sent to 127.0.0.1")
    threads = max(1, min(threads, connections))
    argv = [
        WRK, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
        f"--timeout={timeout_s}s", "--latency",
    ]  # fmt: skip
    if requests_file is not None:
        script = "paced.lua" if pause_ms > 0 else "requests.lua"
        argv += ["-s", str(LUA_DIR / script), url, "--", str(requests_file), str(threads)]
        argv.append(str(round(pause_ms)))
    else:
        argv.append(url)
    env = {**os.environ, "VITRINA_BENCH_LUA": str(LUA_DIR)}
    done = subprocess.run(
        argv, capture_output=True, text=True, env=env, timeout=seconds + 60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse(done.stdout)
