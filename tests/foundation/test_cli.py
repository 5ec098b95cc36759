"""Every way of starting the store refuses what it cannot safely run, with one line saying
how to fix it (`Cannot start: ...`, exit status 2), never a traceback."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.servers import free_port

VITRINA = str(Path(sys.executable).with_name("vitrina"))
UVICORN = [sys.executable, "-m", "uvicorn", "vitrina.main:app", "--port", "0"]
CONFIGURATION = ("DATABASE", "JWT", "STRIPE", "DEMO", "PUBLIC_BASE_URL", "METRICS", "MAIL")
PRODUCTION = {
    "JWT_SECRET": "j" * 48,
    "STRIPE_API_KEY": "sk_test_cli",
    "STRIPE_WEBHOOK_SECRET": "whsec_cli",
}
PG_ADMIN_DSN = os.environ.get("VITRINA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_SERVER = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")


def run(tmp_path: Path, argv: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(CONFIGURATION)}
    environment.update(env)
    return subprocess.run(
        argv, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=60, check=False
    )


def refused(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a refused start prints (asserting there is exactly one, and exit 2)."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("Cannot start: "), result.stderr
    return lines[0]


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    line = refused(run(tmp_path, [VITRINA, "serve"], **PRODUCTION))
    assert "not migrated" in line and "vitrina migrate" in line


def test_serve_refuses_a_missing_jwt_secret(tmp_path: Path) -> None:
    migrated = run(tmp_path, [VITRINA, "migrate"])
    assert migrated.returncode == 0, migrated.stderr
    line = refused(run(tmp_path, [VITRINA, "serve"], **{**PRODUCTION, "JWT_SECRET": ""}))
    assert "JWT_SECRET" in line


@pytest.mark.parametrize("server", ["vitrina serve", "uvicorn vitrina.main:app"])
def test_without_stripe_the_store_does_not_start(tmp_path: Path, server: str) -> None:
    """Not a silent fall-back to an emulator any visitor could mark orders paid with."""
    argv = [VITRINA, "serve"] if server == "vitrina serve" else UVICORN
    line = refused(run(tmp_path, argv, JWT_SECRET="j" * 48))
    assert "STRIPE_API_KEY is not set" in line and "vitrina demo" in line


def test_a_key_without_a_webhook_secret_does_not_start(tmp_path: Path) -> None:
    line = refused(run(tmp_path, UVICORN, JWT_SECRET="j" * 48, STRIPE_API_KEY="sk_test_x"))
    assert "STRIPE_WEBHOOK_SECRET is not set" in line


def test_a_live_key_is_not_sent_to_another_address(tmp_path: Path) -> None:
    line = refused(
        run(
            tmp_path,
            [VITRINA, "serve"],
            **{**PRODUCTION, "STRIPE_API_KEY": "sk_live_x"},
            STRIPE_API_BASE="http://127.0.0.1:12111",
        )
    )
    assert "live key" in line and "127.0.0.1:12111" in line


def test_demo_mode_on_a_remote_database_does_not_start(tmp_path: Path) -> None:
    remote = "postgresql+asyncpg://shop@db.example.com/shop"
    line = refused(run(tmp_path, UVICORN, DEMO="true", DATABASE_URL=remote))
    assert "Demo mode" in line and "db.example.com" in line


def _bad_urls() -> dict[str, tuple[str, str]]:
    database = f"vitrina_missing_{secrets.token_hex(3)}"
    return {
        "wrong port": (
            f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/postgres",
            "nothing accepts connections",
        ),
        "missing database": (f"{PG_SERVER}/{database}", f'database "{database}" does not exist'),
        "unknown user": (
            f"postgresql+asyncpg://nobody_{secrets.token_hex(3)}@127.0.0.1:5432/postgres",
            "Create that role",
        ),
        "postgres scheme": ("postgres://shop@127.0.0.1/shop", "write postgresql+asyncpg://"),
        "garbage": ("definitely not a url", "not a database URL"),
    }


@pytest.mark.parametrize(
    ("command", "case"),
    [
        ("serve", "wrong port"),
        ("serve", "postgres scheme"),
        ("migrate", "missing database"),
        ("migrate", "garbage"),
        ("demo", "wrong port"),
        ("demo", "postgres scheme"),
        ("worker", "unknown user"),
        ("worker", "missing database"),
    ],
)
def test_a_bad_database_url_is_one_line_with_the_fix(
    tmp_path: Path, command: str, case: str
) -> None:
    url, says = _bad_urls()[case]
    argv = [VITRINA, command] + (["--port", str(free_port())] if command == "demo" else [])
    line = refused(run(tmp_path, argv, **PRODUCTION, DATABASE_URL=url))
    assert says in line
