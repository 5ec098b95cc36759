"""`vitrina serve` refuses what it cannot safely run, and says how to fix it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

VITRINA = str(Path(sys.executable).with_name("vitrina"))


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "JWT"))}
    environment.update(env)
    return subprocess.run(
        [VITRINA, *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    result = run(tmp_path, "serve", JWT_SECRET="x" * 48)
    assert result.returncode == 2
    assert "not migrated" in result.stderr
    assert "vitrina migrate" in result.stderr


def test_serve_refuses_a_missing_jwt_secret(tmp_path: Path) -> None:
    migrated = run(tmp_path, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    result = run(tmp_path, "serve")
    assert result.returncode == 2
    assert "JWT_SECRET" in result.stderr
