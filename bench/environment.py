"""The bench's world: an engine, a fresh seeded table, and the latency proxy in front."""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import seeding
from bench.processes import ProcessError, run_to_end
from bench.services import Table, start_proxy

SEED_TIMEOUT = 600.0


@dataclass(frozen=True)
class World:
    """The table as gateways see it (through the proxy), the proxy, the seed's summary."""

    table: Table
    proxy: str
    summary: dict[str, Any]


def _seeding(source: Path, table: Table, *args: str) -> str:
    """Run bench/seeding.py with the code of `source` against the engine itself."""
    return run_to_end(
        f"seeding {' '.join(args)}",
        [sys.executable, "-c", Path(seeding.__file__).read_text(), *args],
        cwd=source,
        env=table.environment(PYTHONPATH=str(source)),
        timeout=SEED_TIMEOUT,
    )


def _drop(source: Path, table: Table) -> None:
    # Best effort: a failure to drop must not hide what happened before.
    try:
        _seeding(source, table, "drop")
    except ProcessError as failure:
        print(f"note: table {table.name} not deleted: {failure}", file=sys.stderr)


@contextmanager
def world(source: Path, scale: int, latency_ms: float) -> Iterator[World]:
    """An engine (DYNAMODB_ENDPOINT or DynamoDB Local), a table of its own seeded by the
    code at `source`, and the proxy; all of it stopped or deleted on the way out."""
    with ExitStack() as stack:
        endpoint = os.environ.get("DYNAMODB_ENDPOINT") or None
        if endpoint is None:
            from dev.engine import LocalDynamo

            engine = LocalDynamo().start()
            stack.callback(engine.stop)
            endpoint = engine.endpoint
        # One fixed secret for both gateways: cursors from either one verify in the other.
        table = Table(endpoint, f"tablegate-bench-{uuid.uuid4().hex[:8]}", secrets.token_hex(32))
        if os.environ.get("DYNAMODB_ENDPOINT"):
            # An engine that outlives the bench keeps no bench tables.
            stack.callback(_drop, source, table)
        started = time.perf_counter()
        output = _seeding(source, table, "seed", str(scale))
        summary: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
        counts = ", ".join(f"{n} {kind}" for kind, n in summary["counts"].items())
        print(f"engine {endpoint}, table {table.name}")
        print(f"seeded scale {scale} in {time.perf_counter() - started:.1f}s: {counts}", flush=True)
        proxy, proxy_url = start_proxy(endpoint, latency_ms)
        stack.callback(proxy.stop)
        yield World(Table(proxy_url, table.name, table.secret, table.region), proxy_url, summary)
