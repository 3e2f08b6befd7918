"""The results table, printed a row at a time as the runs finish."""

from __future__ import annotations

from bench.runner import Measurement

COLUMNS = (
    ("operation", 13),
    ("conc", 4),
    ("reqs", 5),
    ("p50 ms", 8),
    ("p99 ms", 8),
    ("req/s", 7),
    ("calls/req", 9),
    ("trips/req", 9),
    ("RCU+WCU/req", 11),
)


def header() -> str:
    """The column titles and a rule under them."""
    titles = "  ".join(
        f"{name:>{width}}" if i else f"{name:<{width}}" for i, (name, width) in enumerate(COLUMNS)
    )
    return f"{titles}\n{'-' * len(titles)}"


def row(m: Measurement) -> str:
    """One measurement as a line of the table."""
    cells = (
        m.operation,
        m.concurrency,
        len(m.latencies),
        f"{m.percentile(0.5):.1f}",
        f"{m.percentile(0.99):.1f}",
        f"{m.throughput:.1f}",
        f"{m.calls:.1f}",
        f"{m.round_trips:.1f}",
        f"{m.capacity:.1f}",
    )
    return "  ".join(
        f"{cell:>{width}}" if i else f"{cell:<{width}}"
        for i, (cell, (_, width)) in enumerate(zip(cells, COLUMNS, strict=True))
    )
