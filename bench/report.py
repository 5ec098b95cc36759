"""The benchmark's tables (rich) and its verdicts against the targets."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.wrk import WrkResult

THROUGHPUT_SHARE = 0.5
P99_LIST_MS = 50.0
P99_SEARCH_1M_MS = 100.0
LIGHT_CONNECTIONS = 4
"""The scaling table's light load: two requests in flight per server process."""
RSS_GROWTH = 0.10


@dataclass
class Row:
    name: str
    result: WrkResult
    floor: str | None = None
    floor_result: WrkResult | None = None
    target: str | None = None
    verdict: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.floor_result is None or self.floor_result.rps == 0:
            return None
        return self.result.rps / self.floor_result.rps


@dataclass
class Report:
    machine: dict[str, str]
    settings: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    scaling: list[dict[str, Any]] = field(default_factory=list)
    soak: dict[str, Any] | None = None
    faults: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for row, raw in zip(self.rows, data["rows"], strict=True):
            raw["ratio"] = row.ratio
        return data


def judge_read(row: Row) -> None:
    """List and detail: >= 50% of the floor's throughput and p99 < 50 ms."""
    ratio = row.ratio
    row.target = f"≥{THROUGHPUT_SHARE:.0%} of floor, p99<{P99_LIST_MS:.0f}ms, 0 err"
    row.verdict = (
        ratio is not None
        and ratio >= THROUGHPUT_SHARE
        and row.result.p99_ms < P99_LIST_MS
        and row.result.errors == 0
    )


def _verdict(value: bool | None) -> str:
    if value is None:
        return "-"
    return "[green]PASS[/green]" if value else "[red]FAIL[/red]"


def peak_table(report: Report) -> Table:
    s = report.settings
    table = Table(
        title=f"Peak load: {s['connections']} connections, {s['seconds']} s each, "
        f"{s['workers']} server processes, {s['products']:,} products"
    )
    for column in ("endpoint", "req/s", "p50 ms", "p99 ms", "errors", "vs floor"):
        table.add_column(column, justify="left" if column == "endpoint" else "right")
    table.add_column("target")
    table.add_column("verdict")
    for row in report.rows:
        r = row.result
        ratio = f"{row.ratio:.0%}" if row.ratio is not None else "-"
        table.add_row(
            row.name + (f"\n[dim]{row.note}[/dim]" if row.note else ""),
            f"{r.rps:,.0f}",
            f"{r.p50_ms:.1f}",
            f"{r.p99_ms:.1f}",
            str(r.errors),
            ratio,
            row.target or "",
            _verdict(row.verdict),
        )
    return table


def scaling_table(report: Report) -> Table:
    table = Table(
        title="Catalog size: product list and search at 64 connections and at "
        f"{LIGHT_CONNECTIONS} (light load)"
    )
    columns = ("products", "endpoint", "req/s", "p50 ms", "p99 ms")
    columns += (f"p50 ms, {LIGHT_CONNECTIONS} c.", f"p99 ms, {LIGHT_CONNECTIONS} c.")
    for column in (*columns, "errors", "verdict"):
        table.add_column(column, justify="right" if column not in ("endpoint",) else "left")
    for step in report.scaling:
        verdict = step.get("verdict")
        table.add_row(
            f"{step['products']:,}",
            step["endpoint"],
            f"{step['rps']:,.0f}",
            f"{step['p50_ms']:.1f}",
            f"{step['p99_ms']:.1f}",
            f"{step.get('light_p50_ms', float('nan')):.1f}",
            f"{step.get('light_p99_ms', float('nan')):.1f}",
            str(step["errors"]),
            _verdict(verdict) + (f" {step['target']}" if step.get("target") else ""),
        )
    return table


def soak_table(soak: dict[str, Any]) -> Table:
    table = Table(title=f"Soak: {soak['seconds']} s at ~{soak['share_of_peak']:.0%} of peak")
    for column in ("req/s", "p50 ms", "p99 ms", "errors", "RSS start", "RSS end", "growth"):
        table.add_column(column, justify="right")
    table.add_column("verdict")
    table.add_row(
        f"{soak['rps']:,.0f}",
        f"{soak['p50_ms']:.1f}",
        f"{soak['p99_ms']:.1f}",
        str(soak["errors"]),
        f"{soak['rss_start'] / 2**20:,.0f} MiB",
        f"{soak['rss_end'] / 2**20:,.0f} MiB",
        f"{soak['growth']:+.1%}",
        _verdict(soak["verdict"]) + f" growth < {RSS_GROWTH:.0%}, 0 errors",
    )
    return table


def faults_table(faults: list[dict[str, Any]]) -> Table:
    table = Table(title="Faults under load")
    table.add_column("scenario")
    table.add_column("what happened")
    table.add_column("verdict")
    for fault in faults:
        table.add_row(fault["scenario"], fault["detail"], _verdict(fault["verdict"]))
    return table


def print_report(report: Report, console: Console) -> None:
    console.print(peak_table(report))
    if report.soak:
        console.print(soak_table(report.soak))
    if report.scaling:
        console.print(scaling_table(report))
    if report.faults:
        console.print(faults_table(report.faults))
    for note in report.notes:
        console.print(f"[dim]- {note}[/dim]")
