"""The command line's refusals: one line on stderr, `tablegate: ...`, exit code 2, no
traceback, and before any slow work (the engine's JVM, an npm download)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from config import Settings
from data.client import Dynamo
from dev.engine import free_port

ROOT = Path(__file__).resolve().parent.parent
SECRET_MISSING = (
    "tablegate: TABLEGATE_SECRET is required in production: set it to a long random value, "
    "e.g. `openssl rand -hex 32`"
)


def tablegate(*args: str, tmp: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Runs `tablegate ARGS` with only `env` configured, no npm or Java on PATH and an
    empty cache: a command that got as far as the engine would fail differently."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("TABLEGATE_", "DYNAMODB_", "BOOTSTRAP_"))
             and k not in ("HOST", "PORT", "JAVA_HOME")}
    clean.update(PATH="/nonexistent", TABLEGATE_CACHE=str(tmp), **env)
    return subprocess.run(
        [sys.executable, "-c", "import cli; cli.main()", *args],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60, check=False,
    )


def assert_one_line(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.splitlines() == [expected], result.stderr
    assert result.stdout == ""
    assert result.returncode == 2


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port something else is listening on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.mark.parametrize("command", ["dev", "serve"])
def test_a_busy_port_is_one_line_before_the_engine_starts(
    command: str, busy_port: int, tmp_path: Path
) -> None:
    result = tablegate(command, "--host", "127.0.0.1", "--port", str(busy_port), tmp=tmp_path)
    assert_one_line(
        result,
        f"tablegate: port {busy_port} on 127.0.0.1 is already in use: stop the process that "
        "holds it, or pass --port N (or set PORT)",
    )


def test_port_comes_from_the_environment_when_not_given(busy_port: int, tmp_path: Path) -> None:
    result = tablegate("dev", tmp=tmp_path, PORT=str(busy_port))
    assert f"port {busy_port} on 127.0.0.1 is already in use" in result.stderr
    assert result.returncode == 2


@pytest.mark.parametrize("command", ["serve", "dev", "seed", "create-table"])
def test_production_without_a_secret_is_one_line(command: str, tmp_path: Path) -> None:
    result = tablegate(command, tmp=tmp_path, TABLEGATE_ENV="production")
    assert_one_line(result, SECRET_MISSING)


def test_a_malformed_setting_names_its_variable(tmp_path: Path) -> None:
    result = tablegate("serve", tmp=tmp_path, PORT="eighty")
    assert_one_line(result, "tablegate: PORT must be a whole number, got 'eighty'")


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan"])
def test_a_time_limit_must_be_a_positive_number_of_seconds(value: str, tmp_path: Path) -> None:
    result = tablegate("serve", "--port", str(free_port()), tmp=tmp_path,
                       TABLEGATE_REQUEST_DEADLINE_SECONDS=value)
    assert_one_line(result, "tablegate: TABLEGATE_REQUEST_DEADLINE_SECONDS must be a "
                            f"{'' if value == 'soon' else 'positive '}number of seconds, "
                            f"got {value!r}")


@pytest.mark.parametrize(
    ("email", "password", "expected"),
    [
        ("not-an-email", "long enough password", "tablegate: BOOTSTRAP_ADMIN_EMAIL: "),
        ("new-admin@example.com", "short", "tablegate: BOOTSTRAP_ADMIN_PASSWORD: "),
    ],
)
def test_a_bad_bootstrap_admin_is_one_line_at_startup(
    email: str, password: str, expected: str, settings: Settings, dynamo: Dynamo, tmp_path: Path
) -> None:
    # The password is only checked when the account must be created: that needs the table.
    result = tablegate(
        "serve", "--port", str(free_port()), tmp=tmp_path,
        DYNAMODB_ENDPOINT=str(settings.endpoint), DYNAMODB_TABLE_NAME=settings.table_name,
        BOOTSTRAP_ADMIN_EMAIL=email, BOOTSTRAP_ADMIN_PASSWORD=password,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith(expected), result.stderr
    assert result.returncode == 2


def test_reset_is_refused_in_production(tmp_path: Path) -> None:
    result = tablegate("seed", "--reset", tmp=tmp_path, TABLEGATE_ENV="production",
                       TABLEGATE_SECRET="s" * 64, DYNAMODB_TABLE_NAME="orders")
    assert_one_line(result, "tablegate: refusing to delete table orders: TABLEGATE_ENV is "
                            "production")


def test_a_missing_table_says_how_to_create_it(settings: Settings, tmp_path: Path) -> None:
    result = tablegate("serve", "--port", str(free_port()), tmp=tmp_path,
                       DYNAMODB_ENDPOINT=str(settings.endpoint), DYNAMODB_TABLE_NAME="absent",
                       BOOTSTRAP_ADMIN_EMAIL="boss@example.com")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.splitlines() == [
        "tablegate: table absent does not exist: `tablegate create-table` creates it"
    ]
    assert result.returncode == 1
