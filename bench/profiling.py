"""What the in-process profiles share (`profile_reads`, `profile_basket`, `profile_checkout`):
another source tree to compare with, a scratch database, and cProfile's figures by package."""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SRC_HELP = "Another source tree to import vitrina from (the folder holding `vitrina`)."


def use_source_tree(parser: argparse.ArgumentParser, src: str | None) -> None:
    """Import vitrina from `src` (e.g. the `src` of `git archive main src`) from now on."""
    if not src:
        return
    if not (Path(src) / "vitrina").is_dir():
        parser.error(f"{src} has no vitrina package (give the folder holding it)")
    sys.path.insert(0, src)
    for name in [m for m in sys.modules if m == "vitrina" or m.startswith("vitrina.")]:
        del sys.modules[name]


@contextmanager
def scratch_database() -> Iterator[str]:
    """A database on the test server built by the migrations, dropped after the block; its
    SQLAlchemy URL."""
    from bench.postgres import run_sql
    from bench.write_statements import ADMIN_DSN
    from vitrina import schema

    name = f"vitrina_profile_{secrets.token_hex(4)}"
    asyncio.run(run_sql(ADMIN_DSN, f'CREATE DATABASE "{name}"'))
    url = f"{ADMIN_DSN.rsplit('/', 1)[0]}/{name}".replace("postgresql://", "postgresql+asyncpg://")
    try:
        schema.upgrade(url)
        yield url
    finally:
        asyncio.run(run_sql(ADMIN_DSN, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def print_profile(profiler: cProfile.Profile, *, functions: int = 25) -> None:
    """Own time by package, then the top functions by own and by cumulative time."""
    stats = pstats.Stats(profiler)
    by_package: dict[str, float] = {}
    for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        package = filename.split("site-packages/")[-1].split("/")[0]
        if "/vitrina/" in filename:
            package = "vitrina (the store)"
        elif "site-packages/" not in filename:
            package = "stdlib (asyncio, ...), builtins"
        by_package[package] = by_package.get(package, 0.0) + own
    total = sum(by_package.values())
    print("own time by package:")
    for package, own in sorted(by_package.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {own / total:6.1%}  {package}")
    stats.sort_stats("tottime").print_stats(functions)
    stats.sort_stats("cumulative").print_stats(functions * 2)
