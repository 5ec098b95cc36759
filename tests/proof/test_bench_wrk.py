"""The benchmark reads wrk's report right, and rounds run in turns add up without flattering:
the rate from the summed requests and seconds, the worst round's p99, every error kept."""

from __future__ import annotations

import pytest
from bench.wrk import WrkResult, combined, parse

REPORT = """Running 2s test @ http://127.0.0.1:8000/
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   105.21ms   80.10ms   1.02s    80.00%
  Latency Distribution
     50%   95.50ms
     75%  130.00ms
     90%  200.00ms
     99%  508.30ms
  1220 requests in 2.00s, 1.20MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:    610.00
Transfer/sec:    600.00KB
"""


def test_a_report_is_read_into_its_figures() -> None:
    assert parse(REPORT) == WrkResult(
        requests=1220,
        seconds=2.0,
        rps=610.0,
        p50_ms=95.5,
        p99_ms=508.3,
        non_2xx=4,
        socket_errors=3,
    )


def test_a_report_without_its_percentiles_is_refused() -> None:
    with pytest.raises(ValueError, match="unexpected wrk output"):
        parse("1220 requests in 2.00s\nRequests/sec: 610.00\n")


def _round(requests: int, seconds: float, p50: float, p99: float, errors: int = 0) -> WrkResult:
    return WrkResult(requests, seconds, requests / seconds, p50, p99, errors, 0)


def test_rounds_combine_into_the_rate_of_their_sums_and_the_worst_tail() -> None:
    slow_minute = _round(400, 4.0, 150.0, 900.0)
    rounds = [_round(1200, 2.0, 50.0, 300.0), slow_minute, _round(1000, 2.0, 60.0, 350.0, 3)]
    both = combined(rounds)
    assert both.requests == 2600
    assert both.seconds == 8.0
    assert both.rps == pytest.approx(325.0)  # 2600 / 8 s, not the mean of the rates (400)
    assert both.p50_ms == 60.0  # the median round's
    assert both.p99_ms == 900.0  # the worst round's: no p99 over all rounds can be computed
    assert both.errors == 3


def test_no_rounds_is_an_error_not_a_zero() -> None:
    with pytest.raises(ValueError):
        combined([])
