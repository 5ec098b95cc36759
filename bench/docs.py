"""Write docs/benchmarks.md from a run's report."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from bench import report as rep


def _render(table: object) -> str:
    console = Console(width=150, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(table)
    return console.export_text()


def write_benchmarks_md(report: rep.Report, path: Path, command: str) -> None:
    m = report.machine
    s = report.settings
    parts = [
        "# Benchmarks: the last run on this machine",
        "",
        "Written by `bench/run.py --write-docs`; how to read it and what the targets mean is in",
        "the second half of this page, which the benchmark keeps as it is.",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, `nproc` = {m['nproc']}",
        f"- Memory: {m['memory']}",
        f"- PostgreSQL {m['postgresql']}, Python {m['python']}, kernel {m['kernel']}",
        f"- Load generator: {m['wrk']}",
        f"- Run started {s['started']}, took {s.get('elapsed_seconds', '?')} s; "
        f"{s['workers']} server processes, DATABASE_POOL_SIZE={s['pool_size']}, wrk "
        f"{s['wrk_threads']} threads; sync worker: "
        f"{'backlog' if s.get('sync_backlog') else 'running, catalog in sync'}; "
        f"queries per request: {s.get('queries_per_request', {})}",
        "",
        "## Command",
        "",
        "```sh",
        command,
        "```",
        "",
        "## Results",
        "",
        "```text",
        _render(rep.peak_table(report)).rstrip(),
    ]
    if report.soak:
        parts += ["", _render(rep.soak_table(report.soak)).rstrip()]
    if report.scaling:
        parts += ["", _render(rep.scaling_table(report)).rstrip()]
    if report.faults:
        parts += ["", _render(rep.faults_table(report.faults)).rstrip()]
    if report.verdicts:
        parts += ["", _render(rep.verdicts_table(report)).rstrip()]
    parts.append("```")
    if report.notes:
        parts += ["", *[f"- {note}" for note in report.notes]]
    marker = "<!-- analysis: kept across runs -->"
    kept = ""
    if path.exists() and marker in path.read_text():
        kept = path.read_text().split(marker, 1)[1]
    path.write_text("\n".join(parts) + "\n\n" + marker + kept)
