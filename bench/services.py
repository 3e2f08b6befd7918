"""The two servers the bench runs: the latency proxy and a gateway from a source tree."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.processes import Child, ProcessError
from dev.engine import free_port

# The bench package's own tree: where `python -m bench.proxy` is found.
BENCH_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class Table:
    """Where a gateway finds its data, and the settings both gateways share."""

    endpoint: str
    name: str
    secret: str
    region: str = "us-east-1"

    def environment(self, **extra: str) -> dict[str, str]:
        """The process environment with this table's settings (and `extra`) in it."""
        return {
            **os.environ,
            "DYNAMODB_ENDPOINT": self.endpoint,
            "DYNAMODB_TABLE_NAME": self.name,
            "TABLEGATE_SECRET": self.secret,
            "AWS_REGION": self.region,
            **extra,
        }


def start_proxy(upstream: str, latency_ms: float) -> tuple[Child, str]:
    """A running `bench.proxy` in front of `upstream`, and its URL."""
    port = free_port()
    child = Child(
        "proxy",
        [
            sys.executable,
            "-m",
            "bench.proxy",
            "--upstream",
            upstream,
            "--port",
            str(port),
            "--latency",
            str(latency_ms),
        ],
        cwd=BENCH_ROOT,
        env={**os.environ, "PYTHONPATH": str(BENCH_ROOT)},
    )
    return _ready(child, f"http://127.0.0.1:{port}", "/__proxy/calls")


def start_gateway(
    source: Path, table: Table, workers: int, settings: Mapping[str, str] | None = None
) -> tuple[Child, str]:
    """`tablegate serve` of the tree at `source` on a free port, once /healthz is 200;
    `settings` adds to its environment (TABLEGATE_* variables)."""
    port = free_port()
    command = ["serve"] + (["--workers", str(workers)] if workers > 1 else [])
    child = Child(
        f"gateway-{source.name}",
        # The command line moved from server.py to cli.py; older trees still have it there.
        [sys.executable, "-c", "import importlib.util as u; "
         f"m = __import__('cli' if u.find_spec('cli') else 'server'); m.main({command!r})"],
        cwd=source,
        env=table.environment(
            PYTHONPATH=str(source),
            HOST="127.0.0.1",
            PORT=str(port),
            # The workload reads the schema's mutations by introspection.
            TABLEGATE_INTROSPECTION="true",
            # The rate limits stay on, so their path is measured, but far out of reach: the
            # workload is one viewer asking as fast as it can, and signs up from one address.
            TABLEGATE_RATE_LIMITS="on",
            TABLEGATE_REQUEST_BUDGET="1000000000",
            TABLEGATE_SIGN_UP_PER_ADDRESS="1000000",
            TABLEGATE_SIGN_IN_PER_ADDRESS="1000000",
            **(settings or {}),
        ),
    )
    return _ready(child, f"http://127.0.0.1:{port}", "/healthz")


def _ready(child: Child, url: str, probe: str) -> tuple[Child, str]:
    """`child` and its URL once `probe` answers 200; stopped if it never does."""
    try:
        child.wait_http(f"{url}{probe}", START_TIMEOUT)
    except ProcessError:
        child.stop()
        raise
    return child, url
